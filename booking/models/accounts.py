"""The audit log and the rate-limit counters: rows about the service's use, not its domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import ID_LENGTH, Base, id_column


class AuditEvent(Base):
    """One change by an admin, hub_admin, trainer or school_lead, written by the unit of work
    that made it (booking.audit). Append-only: erasure's scrub of a name or an email is the only
    update ever made to a row."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_actor_id_id", "actor_id", "id"),
        Index("ix_audit_event_entity_entity_id_id", "entity", "entity_id", "id"),
        Index("ix_audit_event_hub_id_id", "hub_id", "id"),
        Index("ix_audit_event_at", "at"),
    )

    # Time-ordered (booking.ids): newest first is `ORDER BY id DESC`.
    id: Mapped[str] = id_column()
    at: Mapped[datetime] = mapped_column()
    # No foreign keys: the log outlives what it names, and is never rewritten to follow it.
    actor_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(200), default=None)
    hub_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), default=None)
    changes: Mapped[dict[str, object]] = mapped_column(JSON)


class RateLimitCounter(Base):
    """A fixed-window counter shared by every process (booking.limiter): one row per limit,
    client and window, bumped by one upsert that returns the new count."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    hits: Mapped[int] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)
