"""The tables notifications owns: mail deliveries and reminders (docs/architecture.md, Events).

Written and read only by this package (booking's admin endpoints reach deliveries through the
booking.ports.Deliveries port). Every effect has a unique key, so a handler or a timer that runs
twice (two processes, a restart) writes nothing twice. The tables sit on booking's declarative
base so one Alembic history migrates the whole schema; their foreign keys name booking's tables.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import Base, enum_column_type, id_column
from booking.ports import DeliveryStatus

# An address is at most 254 octets (RFC 5321 path limit less the brackets).
EMAIL_LENGTH = 254


class ReminderStatus(StrEnum):
    PENDING = "pending"
    QUEUED = "queued"  # its delivery row exists (the mail is sent or on its way)
    SKIPPED = "skipped"  # came due only after the session had started (no process was up)


class Delivery(Base):
    """One mail to one recipient, composed when its event was handled and stored as sent.

    The stored bytes keep their Message-ID, so the one mail a crash may repeat (accepted by the
    SMTP server, not yet recorded) reaches the recipient as the same message.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        Index("ix_delivery_status_next_attempt_at", "status", "next_attempt_at"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[str] = id_column()
    # (event, recipient, kind) or (reminder, due time): the unique effect this row is.
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str | None] = mapped_column(String(32), default=None)
    recipient: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, default=None
    )
    booking_id: Mapped[str | None] = mapped_column(String(32), default=None)
    session_id: Mapped[str | None] = mapped_column(String(32), default=None)
    subject: Mapped[str] = mapped_column(String(400))
    # None once the body is gone: 30 days after sending, or when the recipient was erased
    # (notifications.privacy); the row keeps kind, subject and times.
    message: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column_type(DeliveryStatus, "delivery_status")
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    # A sender's lease: while in the future, no other process sends this row.
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class Reminder(Base):
    """A reminder due before one session for one booking, at one of the cohort's offsets."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("booking_id", "session_id", "reminder_offset"),
        Index("ix_reminder_status_due_at", "status", "due_at"),
    )

    id: Mapped[str] = id_column()
    booking_id: Mapped[str] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"))
    session_id: Mapped[str] = mapped_column(
        ForeignKey("training_session.id", ondelete="CASCADE"), index=True
    )
    # An ISO 8601 duration from the cohort's reminder_offsets, e.g. "P1D".
    reminder_offset: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column()
    status: Mapped[ReminderStatus] = mapped_column(
        enum_column_type(ReminderStatus, "reminder_status")
    )
    updated_at: Mapped[datetime] = mapped_column()
