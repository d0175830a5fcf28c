"""Reading what a mail needs from the database into the plain values of notifications.content."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import (
    Booking,
    BookingStatus,
    Cohort,
    Course,
    SessionStatus,
    TrainingSession,
    User,
    Venue,
    accessibility_words,
)
from calendars.ical import Person
from notifications.content import CohortInfo, SessionInfo, VenueInfo


async def cohort_info(db_session: AsyncSession, cohort_id: str) -> CohortInfo | None:
    """The cohort with its scheduled sessions in start order (cancelled ones are left out)."""
    return (await cohorts_info(db_session, [cohort_id])).get(cohort_id)


async def cohorts_info(
    db_session: AsyncSession, cohort_ids: Collection[str]
) -> dict[str, CohortInfo]:
    """cohort_info for many cohorts in two queries, by id; a cohort not found is left out."""
    if not cohort_ids:
        return {}
    rows = (
        await db_session.execute(
            select(Cohort, Course.title, User.name)
            .join(Course, Course.id == Cohort.course_id)
            .join(User, User.id == Cohort.trainer_id)
            .where(Cohort.id.in_(cohort_ids))
        )
    ).all()
    if not rows:
        return {}
    sessions: dict[str, list[SessionInfo]] = {cohort.id: [] for cohort, _, _ in rows}
    for session, venue in await db_session.execute(
        _session_rows()
        .where(
            TrainingSession.cohort_id.in_(sessions),
            TrainingSession.status == SessionStatus.SCHEDULED,
        )
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    ):
        sessions[session.cohort_id].append(_session(session, venue))
    return {
        cohort.id: CohortInfo(
            id=cohort.id,
            course_title=title,
            trainer_name=trainer_name or "to be confirmed",
            sessions=tuple(sessions[cohort.id]),
            cancel_reason=cohort.cancel_reason,
        )
        for cohort, title, trainer_name in rows
    }


async def session_info(db_session: AsyncSession, session_id: str) -> SessionInfo | None:
    """One session whatever its status (a cancellation needs the cancelled session)."""
    return (await sessions_info(db_session, [session_id])).get(session_id)


async def sessions_info(
    db_session: AsyncSession, session_ids: Collection[str]
) -> dict[str, SessionInfo]:
    """session_info for many sessions in one query, by id; a session not found is left out."""
    if not session_ids:
        return {}
    found = await _sessions(
        db_session,
        _session_rows().where(TrainingSession.id.in_(session_ids)),
    )
    return {session.id: session for session in found}


async def cohort_sessions_any_status(db_session: AsyncSession, cohort_id: str) -> list[SessionInfo]:
    return await _sessions(
        db_session,
        _session_rows().where(TrainingSession.cohort_id == cohort_id),
    )


def _session_rows() -> Select[TrainingSession, Venue]:
    return select(TrainingSession, Venue).join(Venue, Venue.id == TrainingSession.venue_id)


async def _sessions(
    db_session: AsyncSession, stmt: Select[TrainingSession, Venue]
) -> list[SessionInfo]:
    rows = await db_session.execute(stmt.order_by(TrainingSession.starts_at, TrainingSession.id))
    return [_session(session, venue) for session, venue in rows]


def _session(session: TrainingSession, venue: Venue) -> SessionInfo:
    return SessionInfo(
        id=session.id,
        uid=session.uid,
        sequence=session.sequence,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        venue=VenueInfo(
            name=venue.name,
            address=venue.address,
            postcode=venue.postcode,
            timezone=venue.timezone,
            accessibility=accessibility_words(venue.accessibility),
            travel_notes=venue.travel_notes,
        ),
        cancelled=session.status is SessionStatus.CANCELLED,
        updated_at=session.updated_at,
    )


async def person(db_session: AsyncSession, user_id: str) -> Person | None:
    user = await db_session.get(User, user_id)
    return None if user is None else Person(email=user.email, name=user.name)


async def confirmed_attendees(
    db_session: AsyncSession, cohort_id: str
) -> Sequence[tuple[Booking, User]]:
    """Who holds a confirmed seat now, in booking order: they have the invites to update."""
    rows = await db_session.execute(
        select(Booking, User)
        .join(User, User.id == Booking.teacher_id)
        .where(Booking.cohort_id == cohort_id, Booking.status == BookingStatus.CONFIRMED)
        .order_by(Booking.id)
    )
    return [(booking, user) for booking, user in rows]


async def bookings_with_teachers(
    db_session: AsyncSession, booking_ids: Collection[str]
) -> dict[str, tuple[Booking, User | None]]:
    """Bookings by id, each with its teacher (None if that row is gone), in one query."""
    if not booking_ids:
        return {}
    rows = await db_session.execute(
        select(Booking, User)
        .outerjoin(User, User.id == Booking.teacher_id)
        .where(Booking.id.in_(booking_ids))
    )
    return {booking.id: (booking, teacher) for booking, teacher in rows}
