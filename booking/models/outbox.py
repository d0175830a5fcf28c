"""The transactional outbox and stored time-based work (docs/architecture.md, Events)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import Base, id_column


class OutboxEvent(Base):
    """A domain event, written in the transaction that caused it; handlers act after commit."""

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_dispatched_at_id", "dispatched_at", "id"),)

    id: Mapped[str] = id_column()
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column()
    dispatched_at: Mapped[datetime | None] = mapped_column(default=None)


class DueWork(Base):
    """Work that must happen at a time (an offer expiring); claimed by whichever process is up."""

    __tablename__ = "due_work"
    __table_args__ = (
        UniqueConstraint("kind", "booking_id", "due_at"),
        Index("ix_due_work_done_at_due_at", "done_at", "due_at"),
    )

    id: Mapped[str] = id_column()
    kind: Mapped[str] = mapped_column(String(32))
    booking_id: Mapped[str] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column(default=None)
