"""The people of a school and where each stands: trained, booked, waiting
(docs/contract.md, Schools and staff). Each question is one query over all the people asked
about."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import (
    Attendance,
    AttendanceStatus,
    Booking,
    BookingStatus,
    SessionStatus,
    TrainingSession,
    User,
)
from booking.models.enums import ACTIVE_BOOKING_STATUSES

# Waiting: on the waitlist, holding an offer, or pending the school's approval.
WAITING_STATUSES = (
    BookingStatus.WAITLISTED,
    BookingStatus.OFFERED,
    BookingStatus.PENDING_APPROVAL,
)


async def staff_of(db_session: AsyncSession, school_id: str) -> Sequence[User]:
    """Everyone at the school (erased people are at none), by name."""
    return (
        await db_session.scalars(
            select(User)
            .where(User.school_id == school_id, User.erased_at.is_(None))
            .order_by(func.lower(User.name), User.id)
        )
    ).all()


async def trained(db_session: AsyncSession, teacher_ids: Collection[str]) -> set[str]:
    """Who was marked attended at every (not cancelled) session of some cohort."""
    if not teacher_ids:
        return set()
    sessions = (
        select(TrainingSession.cohort_id, func.count().label("n"))
        .where(TrainingSession.status == SessionStatus.SCHEDULED)
        .group_by(TrainingSession.cohort_id)
        .subquery()
    )
    attended = (
        select(Attendance.booking_id, func.count().label("n"))
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(
            Attendance.status == AttendanceStatus.ATTENDED,
            TrainingSession.status == SessionStatus.SCHEDULED,
        )
        .group_by(Attendance.booking_id)
        .subquery()
    )
    rows = await db_session.scalars(
        select(Booking.teacher_id)
        .join(attended, attended.c.booking_id == Booking.id)
        .join(sessions, sessions.c.cohort_id == Booking.cohort_id)
        .where(Booking.teacher_id.in_(teacher_ids), attended.c.n == sessions.c.n)
        .distinct()
    )
    return set(rows)


async def active_counts(db_session: AsyncSession, teacher_ids: Collection[str]) -> dict[str, int]:
    """Each person's live bookings (confirmed, offered or waiting)."""
    if not teacher_ids:
        return {}
    rows = await db_session.execute(
        select(Booking.teacher_id, func.count())
        .where(Booking.teacher_id.in_(teacher_ids), Booking.status.in_(ACTIVE_BOOKING_STATUSES))
        .group_by(Booking.teacher_id)
    )
    return {teacher_id: int(n) for teacher_id, n in rows}


async def booked_ahead(
    db_session: AsyncSession, teacher_ids: Collection[str], now: datetime
) -> set[str]:
    """Who holds a confirmed seat in a cohort not yet finished (a session still to end)."""
    if not teacher_ids:
        return set()
    unfinished = (
        select(TrainingSession.cohort_id)
        .where(TrainingSession.status == SessionStatus.SCHEDULED, TrainingSession.ends_at > now)
        .distinct()
    )
    rows = await db_session.scalars(
        select(Booking.teacher_id)
        .where(
            Booking.teacher_id.in_(teacher_ids),
            Booking.status == BookingStatus.CONFIRMED,
            Booking.cohort_id.in_(unfinished),
        )
        .distinct()
    )
    return set(rows)


async def waiting(db_session: AsyncSession, teacher_ids: Collection[str]) -> set[str]:
    if not teacher_ids:
        return set()
    rows = await db_session.scalars(
        select(Booking.teacher_id)
        .where(Booking.teacher_id.in_(teacher_ids), Booking.status.in_(WAITING_STATUSES))
        .distinct()
    )
    return set(rows)


async def staff_of_schools(
    db_session: AsyncSession, school_ids: Collection[str]
) -> Sequence[tuple[str, str]]:
    """(school_id, user_id) of everyone at these schools."""
    if not school_ids:
        return []
    rows = await db_session.execute(
        select(User.school_id, User.id).where(
            User.school_id.in_(school_ids), User.erased_at.is_(None)
        )
    )
    return [(str(school_id), user_id) for school_id, user_id in rows]


async def pending_approvals(db_session: AsyncSession, school_id: str) -> Sequence[Booking]:
    """The school's bookings waiting for its answer, soonest to lapse first."""
    return (
        await db_session.scalars(
            select(Booking)
            .where(
                Booking.school_id == school_id,
                Booking.status == BookingStatus.PENDING_APPROVAL,
            )
            .order_by(Booking.approval_expires_at, Booking.id)
        )
    ).all()
