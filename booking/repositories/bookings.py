"""Bookings: the active booking, the waitlist in join order, a teacher's booked sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import (
    Booking,
    BookingStatus,
    Cohort,
    CohortStatus,
    Course,
    SessionStatus,
    TrainingSession,
)
from booking.models.enums import ACTIVE_BOOKING_STATUSES, SEAT_HOLDING_STATUSES
from booking.repositories.pagination import page


async def get_booking(db_session: AsyncSession, booking_id: str) -> Booking | None:
    return await db_session.get(Booking, booking_id, populate_existing=True)


# Built once (every booking runs them), with bound parameters.
_ACTIVE_BOOKING = select(Booking).where(
    Booking.teacher_id == bindparam("teacher_id"),
    Booking.cohort_id == bindparam("cohort_id"),
    Booking.status.in_(ACTIVE_BOOKING_STATUSES),
)
_BOOKED_SESSIONS = (
    select(TrainingSession)
    .join(Booking, Booking.cohort_id == TrainingSession.cohort_id)
    .join(Cohort, Cohort.id == TrainingSession.cohort_id)
    .where(
        Booking.teacher_id == bindparam("teacher_id"),
        Booking.status.in_(SEAT_HOLDING_STATUSES),
        TrainingSession.status == SessionStatus.SCHEDULED,
        Cohort.status != CohortStatus.CANCELLED,
    )
    .order_by(TrainingSession.starts_at)
)
_BOOKED_SESSIONS_ELSEWHERE = _BOOKED_SESSIONS.where(
    TrainingSession.cohort_id != bindparam("exclude_cohort")
)


async def active_booking(
    db_session: AsyncSession, teacher_id: str, cohort_id: str
) -> Booking | None:
    params = {"teacher_id": teacher_id, "cohort_id": cohort_id}
    return await db_session.scalar(_ACTIVE_BOOKING, params)


async def waitlisted_after(
    db_session: AsyncSession, cohort_id: str, after_seq: int | None, limit: int
) -> Sequence[Booking]:
    """The next teachers waiting, in join order, after join number `after_seq` (FIFO)."""
    stmt = (
        select(Booking)
        .where(Booking.cohort_id == cohort_id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(Booking.waitlist_seq)
        .limit(limit)
    )
    if after_seq is not None:
        stmt = stmt.where(Booking.waitlist_seq > after_seq)
    return (await db_session.scalars(stmt)).all()


async def waiting_elsewhere(
    db_session: AsyncSession, teacher_ids: Sequence[str], exclude_cohort: str
) -> Sequence[str]:
    """Ids of the teachers' waitlisted bookings in other cohorts."""
    if not teacher_ids:
        return []
    rows = await db_session.scalars(
        select(Booking.id).where(
            Booking.teacher_id.in_(teacher_ids),
            Booking.cohort_id != exclude_cohort,
            Booking.status == BookingStatus.WAITLISTED,
        )
    )
    return rows.all()


async def seat_holders(db_session: AsyncSession, cohort_id: str) -> Sequence[str]:
    """Teachers holding a seat (confirmed or offered) in the cohort."""
    rows = await db_session.scalars(
        select(Booking.teacher_id).where(
            Booking.cohort_id == cohort_id, Booking.status.in_(SEAT_HOLDING_STATUSES)
        )
    )
    return rows.all()


async def waitlist_length(db_session: AsyncSession, cohort_id: str) -> int:
    """How many teachers wait for the cohort (counted, not loaded)."""
    return (await waitlist_lengths(db_session, [cohort_id]))[cohort_id]


async def waitlist_position(db_session: AsyncSession, booking: Booking) -> int | None:
    """1 for the next to be promoted; None unless waitlisted."""
    if booking.status is not BookingStatus.WAITLISTED or booking.waitlist_seq is None:
        return None
    ahead = await db_session.scalar(
        select(func.count()).where(
            Booking.cohort_id == booking.cohort_id,
            Booking.status == BookingStatus.WAITLISTED,
            Booking.waitlist_seq < booking.waitlist_seq,
        )
    )
    return int(ahead or 0) + 1


async def waitlist_lengths(db_session: AsyncSession, cohort_ids: Sequence[str]) -> dict[str, int]:
    if not cohort_ids:
        return {}
    rows = await db_session.execute(
        select(Booking.cohort_id, func.count())
        .where(Booking.cohort_id.in_(cohort_ids), Booking.status == BookingStatus.WAITLISTED)
        .group_by(Booking.cohort_id)
    )
    counts = dict.fromkeys(cohort_ids, 0)
    counts.update({cid: int(n) for cid, n in rows})
    return counts


async def teacher_booked_sessions(
    db_session: AsyncSession, teacher_id: str, *, exclude_cohort: str | None = None
) -> Sequence[TrainingSession]:
    """Live sessions of cohorts where the teacher holds a seat (confirmed or offered)."""
    if exclude_cohort is None:
        return (await db_session.scalars(_BOOKED_SESSIONS, {"teacher_id": teacher_id})).all()
    params = {"teacher_id": teacher_id, "exclude_cohort": exclude_cohort}
    return (await db_session.scalars(_BOOKED_SESSIONS_ELSEWHERE, params)).all()


async def bookings_of_cohort(
    db_session: AsyncSession, cohort_id: str, statuses: Sequence[BookingStatus]
) -> Sequence[Booking]:
    return (
        await db_session.scalars(
            select(Booking)
            .where(Booking.cohort_id == cohort_id, Booking.status.in_(statuses))
            .order_by(Booking.waitlist_seq, Booking.created_at, Booking.id)
        )
    ).all()


async def list_teacher_bookings(
    db_session: AsyncSession, teacher_id: str, *, limit: int, cursor: str | None
) -> tuple[Sequence[Booking], str | None]:
    stmt = select(Booking).where(Booking.teacher_id == teacher_id)
    return await page(db_session, stmt, Booking.id, limit=limit, cursor=cursor)


async def offers_due(db_session: AsyncSession, now: datetime, limit: int) -> Sequence[Booking]:
    return (
        await db_session.scalars(
            select(Booking)
            .where(Booking.status == BookingStatus.OFFERED, Booking.offer_expires_at <= now)
            .order_by(Booking.offer_expires_at)
            .limit(limit)
        )
    ).all()


async def teacher_booked_titles(db_session: AsyncSession, teacher_id: str) -> dict[str, str]:
    """Course titles of the cohorts where the teacher holds a seat, by cohort id."""
    rows = await db_session.execute(
        select(Cohort.id, Course.title)
        .join(Course, Course.id == Cohort.course_id)
        .join(Booking, Booking.cohort_id == Cohort.id)
        .where(Booking.teacher_id == teacher_id, Booking.status.in_(SEAT_HOLDING_STATUSES))
    )
    return {row.id: row.title for row in rows}


async def school_seats(db_session: AsyncSession, cohort_id: str) -> dict[str, int]:
    """Seats (confirmed, offered or pending approval) of the cohort held per school, for
    max_per_school. Read under the cohort lock: every change of these counts holds it."""
    rows = await db_session.execute(
        select(Booking.school_id, func.count())
        .where(
            Booking.cohort_id == cohort_id,
            Booking.status.in_(SEAT_HOLDING_STATUSES),
            Booking.school_id.is_not(None),
        )
        .group_by(Booking.school_id)
    )
    return {str(school_id): int(n) for school_id, n in rows}
