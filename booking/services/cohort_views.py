"""Building CohortRead / SessionRead from rows, several cohorts at a time."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import Cohort, Course, TrainingSession, User, Venue
from booking.repositories import bookings as booking_repo
from booking.repositories import cohorts as cohort_repo
from booking.schemas.cohorts import CohortRead, SessionRead
from calendars.school_day import during_school_day

# Venues are in England; a session whose venue's zone is not at hand is read in this one.
DEFAULT_ZONE = "Europe/London"


def session_read(row: TrainingSession, timezone: str = DEFAULT_ZONE) -> SessionRead:
    """`timezone`: the session's venue's, for during_school_day."""
    return SessionRead(
        id=row.id,
        cohort_id=row.cohort_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        venue_id=row.venue_id,
        status=row.status,
        sequence=row.sequence,
        during_school_day=during_school_day(row.starts_at, row.ends_at, zone_named(timezone)),
    )


@cache
def zone_named(name: str) -> ZoneInfo:
    return ZoneInfo(name)


async def venue_zones(db_session: AsyncSession, venue_ids: Collection[str]) -> dict[str, str]:
    """Each venue's zone, deleted venues included (past sessions keep theirs)."""
    if not venue_ids:
        return {}
    rows = await db_session.execute(
        select(Venue.id, Venue.timezone).where(Venue.id.in_(set(venue_ids)))
    )
    return {row.id: row.timezone for row in rows}


async def session_view(db_session: AsyncSession, row: TrainingSession) -> SessionRead:
    zones = await venue_zones(db_session, [row.venue_id])
    return session_read(row, zones.get(row.venue_id, DEFAULT_ZONE))


async def cohort_reads(db_session: AsyncSession, cohorts: Sequence[Cohort]) -> list[CohortRead]:
    ids = [c.id for c in cohorts]
    sessions = await cohort_repo.sessions_of(db_session, ids)
    zones = await venue_zones(db_session, {s.venue_id for rows in sessions.values() for s in rows})
    waiting = await booking_repo.waitlist_lengths(db_session, ids)
    course_ids = {c.course_id for c in cohorts}
    trainer_ids = {c.trainer_id for c in cohorts}
    titles = {
        row.id: row.title
        for row in await db_session.execute(
            select(Course.id, Course.title).where(Course.id.in_(course_ids))
        )
    }
    names = {
        row.id: row.name
        for row in await db_session.execute(
            select(User.id, User.name).where(User.id.in_(trainer_ids))
        )
    }
    return [
        CohortRead(
            id=c.id,
            hub_id=c.hub_id,
            course_id=c.course_id,
            course_title=titles.get(c.course_id, ""),
            trainer_id=c.trainer_id,
            trainer_name=names.get(c.trainer_id, ""),
            venue_id=c.venue_id,
            status=c.status,
            capacity=c.capacity,
            confirmed_count=c.confirmed_count,
            offered_count=c.offered_count,
            seats_left=c.capacity - c.confirmed_count - c.offered_count - c.pending_count,
            waitlist_length=waiting.get(c.id, 0),
            waitlist_mode=c.waitlist_mode,
            offer_ttl=c.offer_ttl,
            promotion_cutoff=c.promotion_cutoff,
            reminder_offsets=list(c.reminder_offsets),
            waitlist_capacity=c.waitlist_capacity,
            max_per_school=c.max_per_school,
            approval_ttl=c.approval_ttl,
            sessions=[session_read(s, zones.get(s.venue_id, DEFAULT_ZONE)) for s in sessions[c.id]],
            cancel_reason=c.cancel_reason,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c in cohorts
    ]


async def cohort_read(db_session: AsyncSession, cohort: Cohort) -> CohortRead:
    return (await cohort_reads(db_session, [cohort]))[0]
