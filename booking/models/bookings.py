"""Bookings, attendance and idempotency records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import Base, Timestamped, enum_column_type, id_column
from booking.models.enums import AttendanceStatus, BookingStatus

_ACTIVE = "status IN ('confirmed', 'offered', 'waitlisted', 'pending_approval')"


class Booking(Timestamped, Base):
    __tablename__ = "booking"
    __table_args__ = (
        # One active booking per teacher and cohort, whatever the code does
        # (docs/contract.md, Bookings and the waitlist).
        Index(
            "uq_booking_active_teacher_cohort",
            "teacher_id",
            "cohort_id",
            unique=True,
            postgresql_where=text(_ACTIVE),
            sqlite_where=text(_ACTIVE),
        ),
        Index("ix_booking_cohort_id_status_waitlist_seq", "cohort_id", "status", "waitlist_seq"),
        Index("ix_booking_cohort_id_school_id", "cohort_id", "school_id"),
        CheckConstraint(
            "(status = 'waitlisted') = (waitlist_seq IS NOT NULL)", name="waitlisted_has_seq"
        ),
        CheckConstraint(
            "(status = 'offered') = (offer_expires_at IS NOT NULL)", name="offered_has_expiry"
        ),
        CheckConstraint(
            "(status = 'pending_approval') = (approval_expires_at IS NOT NULL)",
            name="pending_has_expiry",
        ),
    )

    id: Mapped[str] = id_column()
    cohort_id: Mapped[str] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    teacher_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[BookingStatus] = mapped_column(enum_column_type(BookingStatus, "booking_status"))
    waitlist_seq: Mapped[int | None] = mapped_column(default=None)
    offer_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    # Until when a pending_approval booking holds its seat unanswered.
    approval_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    late: Mapped[bool] = mapped_column(default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    # The teacher's school when they booked: the school a cohort's max_per_school counts it for
    # (fixed here, so a change of school later cannot slip a seat past the cap).
    school_id: Mapped[str | None] = mapped_column(
        ForeignKey("school.id", ondelete="SET NULL"), default=None
    )
    # Made by a school lead (their own, or staff's in bulk; an admin's bulk booking too): no
    # approval needed, even when it is seated later from the waitlist.
    made_by_lead: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Why a booking waits: "school_cap" when the teacher's school held its share; None else.
    waitlist_reason: Mapped[str | None] = mapped_column(String(32), default=None)


class Attendance(Base):
    __tablename__ = "attendance"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("training_session.id", ondelete="CASCADE"), primary_key=True
    )
    booking_id: Mapped[str] = mapped_column(
        ForeignKey("booking.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[AttendanceStatus] = mapped_column(
        enum_column_type(AttendanceStatus, "attendance_status")
    )
    recorded_by: Mapped[str] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column()


class IdempotencyRecord(Base):
    """The first response to (user, Idempotency-Key), replayed for 24 hours."""

    __tablename__ = "idempotency_record"
    __table_args__ = (Index("ix_idempotency_record_created_at", "created_at"),)

    user_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column()
    body: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column()
