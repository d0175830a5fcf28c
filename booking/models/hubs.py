"""Regional hubs and the venues they publish."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import Base, Timestamped, id_column


class Hub(Timestamped, Base):
    __tablename__ = "hub"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(100))
    contact_email: Mapped[str] = mapped_column(String(254))


class Venue(Timestamped, Base):
    """One bookable space. Deleting keeps the row (deleted_at) so past sessions keep their venue."""

    __tablename__ = "venue"
    __table_args__ = (CheckConstraint("capacity > 0", name="capacity_positive"),)

    id: Mapped[str] = id_column()
    hub_id: Mapped[str] = mapped_column(ForeignKey("hub.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text)
    postcode: Mapped[str] = mapped_column(String(10))
    capacity: Mapped[int] = mapped_column()
    timezone: Mapped[str] = mapped_column(String(64))
    # A sorted list of Accessibility values.
    accessibility: Mapped[list[str]] = mapped_column(JSON)
    travel_notes: Mapped[str | None] = mapped_column(Text, default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
