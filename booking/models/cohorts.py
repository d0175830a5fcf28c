"""Cohorts (a course run by a trainer for a group) and their training sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import Base, Timestamped, enum_column_type, id_column
from booking.models.enums import CohortStatus, SessionStatus, WaitlistMode


class Cohort(Timestamped, Base):
    """Seat counters live on the cohort row: the booking transaction locks this row, counts and
    changes them together, and the CHECKs make overbooking impossible even for a buggy writer."""

    __tablename__ = "cohort"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("confirmed_count >= 0 AND offered_count >= 0", name="counts_not_negative"),
        CheckConstraint("pending_count >= 0", name="pending_not_negative"),
        CheckConstraint(
            "confirmed_count + offered_count + pending_count <= capacity",
            name="seats_within_capacity",
        ),
        CheckConstraint(
            "waitlist_capacity IS NULL OR waitlist_capacity >= 0",
            name="waitlist_capacity_not_negative",
        ),
        CheckConstraint(
            "max_per_school IS NULL OR max_per_school >= 1", name="max_per_school_positive"
        ),
    )

    id: Mapped[str] = id_column()
    hub_id: Mapped[str] = mapped_column(ForeignKey("hub.id", ondelete="RESTRICT"), index=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("course.id", ondelete="RESTRICT"), index=True)
    trainer_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    venue_id: Mapped[str] = mapped_column(ForeignKey("venue.id", ondelete="RESTRICT"), index=True)
    status: Mapped[CohortStatus] = mapped_column(enum_column_type(CohortStatus, "cohort_status"))
    capacity: Mapped[int] = mapped_column()
    waitlist_mode: Mapped[WaitlistMode] = mapped_column(
        enum_column_type(WaitlistMode, "waitlist_mode")
    )
    # ISO 8601 durations as given (booking.durations), e.g. "PT48H".
    offer_ttl: Mapped[str] = mapped_column(String(32))
    promotion_cutoff: Mapped[str] = mapped_column(String(32))
    # ISO 8601 durations before each session, e.g. ["P7D", "P1D"].
    reminder_offsets: Mapped[list[str]] = mapped_column(JSON)
    waitlist_capacity: Mapped[int | None] = mapped_column(default=None)
    # Seats (confirmed, offered or pending approval) one school's staff may hold; None: no cap.
    max_per_school: Mapped[int | None] = mapped_column(default=None)
    # How long a booking waits for its school's approval, as ISO 8601 (booking.durations).
    approval_ttl: Mapped[str] = mapped_column(String(32), default="P3D", server_default="P3D")
    confirmed_count: Mapped[int] = mapped_column(default=0)
    offered_count: Mapped[int] = mapped_column(default=0)
    # Seats held by bookings waiting for their school's approval.
    pending_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Join order for the waitlist: each waitlisted booking takes the next number.
    waitlist_seq: Mapped[int] = mapped_column(default=0)
    cancel_reason: Mapped[str | None] = mapped_column(Text, default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)


class TrainingSession(Timestamped, Base):
    """One meeting of a cohort. `uid` and `sequence` are its iCalendar identity: the uid never
    changes, the sequence goes up on every change of time, place or status."""

    __tablename__ = "training_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        Index("ix_training_session_venue_id_starts_at", "venue_id", "starts_at"),
        Index("ix_training_session_cohort_id_starts_at", "cohort_id", "starts_at"),
    )

    id: Mapped[str] = id_column()
    cohort_id: Mapped[str] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    venue_id: Mapped[str] = mapped_column(ForeignKey("venue.id", ondelete="RESTRICT"))
    trainer_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    status: Mapped[SessionStatus] = mapped_column(enum_column_type(SessionStatus, "session_status"))
    sequence: Mapped[int] = mapped_column(default=0)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
