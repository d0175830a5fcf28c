"""A trainer's weekly availability (wall-clock, in an IANA zone) and its exceptions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import Base, id_column


class TrainerAvailability(Base):
    """Weekly rules as a list of {day, start, end} ("HH:MM" local). They are always read and
    replaced whole, so one JSON value is simpler than a row per rule."""

    __tablename__ = "trainer_availability"

    trainer_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    timezone: Mapped[str] = mapped_column(String(64))
    weekly: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column()


class AvailabilityException(Base):
    """A stretch of time the trainer cannot teach (leave, training, illness)."""

    __tablename__ = "availability_exception"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_availability_exception_trainer_id_starts_at", "trainer_id", "starts_at"),
    )

    id: Mapped[str] = id_column()
    trainer_id: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text, default=None)
