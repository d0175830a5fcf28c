"""What the service holds about one person, read for their export and deleted at erasure."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import (
    Attendance,
    AvailabilityException,
    Booking,
    Cohort,
    Course,
    EmailCode,
    FeedToken,
    IdempotencyRecord,
    SessionStatus,
    Timetable,
    TrainerAvailability,
    TrainingSession,
    Venue,
)
from booking.models.enums import ACTIVE_BOOKING_STATUSES


async def bookings_with_titles(
    db_session: AsyncSession, user_id: str
) -> Sequence[tuple[Booking, str]]:
    rows = await db_session.execute(
        select(Booking, Course.title)
        .join(Cohort, Cohort.id == Booking.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(Booking.teacher_id == user_id)
        .order_by(Booking.id)
    )
    return [(booking, str(title)) for booking, title in rows]


async def sessions_with_venues(
    db_session: AsyncSession, cohort_ids: Collection[str]
) -> Sequence[tuple[TrainingSession, str]]:
    if not cohort_ids:
        return []
    rows = await db_session.execute(
        select(TrainingSession, Venue.name)
        .join(Venue, Venue.id == TrainingSession.venue_id)
        .where(TrainingSession.cohort_id.in_(cohort_ids))
        .order_by(TrainingSession.starts_at)
    )
    return [(session, str(venue)) for session, venue in rows]


async def attendance_of(
    db_session: AsyncSession, booking_ids: Collection[str]
) -> dict[tuple[str, str], Attendance]:
    if not booking_ids:
        return {}
    rows = await db_session.scalars(
        select(Attendance).where(Attendance.booking_id.in_(booking_ids))
    )
    return {(row.booking_id, row.session_id): row for row in rows}


async def live_bookings(db_session: AsyncSession, user_id: str, now: datetime) -> Sequence[Booking]:
    """Active bookings in cohorts not yet over (a session still to end): a finished course's
    booking is history, kept as it is. Sorted by cohort: erasure locks their cohorts in order."""
    unfinished = (
        select(TrainingSession.id)
        .where(
            TrainingSession.cohort_id == Booking.cohort_id,
            TrainingSession.status == SessionStatus.SCHEDULED,
            TrainingSession.ends_at > now,
        )
        .exists()
    )
    return (
        await db_session.scalars(
            select(Booking)
            .where(
                Booking.teacher_id == user_id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                unfinished,
            )
            .order_by(Booking.cohort_id)
        )
    ).all()


async def delete_personal_rows(db_session: AsyncSession, user_id: str, email: str) -> None:
    """Timetable, feed, stored replies, a trainer's hours and days off (their reasons may be
    personal), and any sign-in code still kept for the address."""
    for model, column in (
        (Timetable, Timetable.user_id),
        (FeedToken, FeedToken.user_id),
        (IdempotencyRecord, IdempotencyRecord.user_id),
        (TrainerAvailability, TrainerAvailability.trainer_id),
        (AvailabilityException, AvailabilityException.trainer_id),
    ):
        await db_session.execute(delete(model).where(column == user_id))
    await db_session.execute(delete(EmailCode).where(EmailCode.email == email))
