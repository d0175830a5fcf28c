"""Cohorts and sessions: lookups, the cohort lock, and the overlap queries behind conflicts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, bindparam, exists, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from booking.models import (
    Booking,
    BookingStatus,
    Cohort,
    CohortStatus,
    Course,
    CourseNeedArea,
    NeedArea,
    SessionStatus,
    TrainingSession,
)
from booking.models.enums import SEAT_HOLDING_STATUSES
from booking.repositories.pagination import page, page_by_time

# The session flag that switches the cohort row lock off: only the control test sets it (on its
# app's runtime), to show its race harness really races.
LOCK_COHORT_ROWS = "lock_cohort_rows"


def _locks_rows(db_session: AsyncSession) -> bool:
    return bool(db_session.info.get(LOCK_COHORT_ROWS, True))


# The reads every booking makes are built once, with bound parameters: building a statement
# (and its cache key) again for each request cost a third of running it (benchmarks/README.md).
_COHORT = (
    select(Cohort)
    .where(Cohort.id == bindparam("cohort_id"))
    .execution_options(populate_existing=True)
)
_COHORT_FOR_UPDATE = _COHORT.with_for_update()
_SESSIONS_OF = (
    select(TrainingSession)
    .where(TrainingSession.cohort_id.in_(bindparam("cohort_ids", expanding=True)))
    .order_by(TrainingSession.starts_at, TrainingSession.id)
)


async def get_cohort(
    db_session: AsyncSession, cohort_id: str, *, for_update: bool = False
) -> Cohort | None:
    """The cohort; with for_update, its row lock (PostgreSQL) held to the end of the transaction.

    Every change to seats or the waitlist takes this lock first, so counting and writing cannot
    interleave. On SQLite the transaction's BEGIN IMMEDIATE already excludes other writers.
    """
    stmt = _COHORT_FOR_UPDATE if for_update and _locks_rows(db_session) else _COHORT
    return await db_session.scalar(stmt, {"cohort_id": cohort_id})


async def sessions_of(
    db_session: AsyncSession, cohort_ids: Sequence[str]
) -> dict[str, list[TrainingSession]]:
    found: dict[str, list[TrainingSession]] = {cid: [] for cid in cohort_ids}
    if not cohort_ids:
        return found
    rows = await db_session.scalars(_SESSIONS_OF, {"cohort_ids": list(cohort_ids)})
    for row in rows:
        found[row.cohort_id].append(row)
    return found


async def scheduled_session_ids(db_session: AsyncSession, cohort_id: str) -> list[str]:
    rows = await db_session.scalars(
        select(TrainingSession.id)
        .where(
            TrainingSession.cohort_id == cohort_id,
            TrainingSession.status == SessionStatus.SCHEDULED,
        )
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    )
    return list(rows)


async def confirmed_booking_ids(db_session: AsyncSession, cohort_id: str) -> list[str]:
    rows = await db_session.scalars(
        select(Booking.id)
        .where(Booking.cohort_id == cohort_id, Booking.status == BookingStatus.CONFIRMED)
        .order_by(Booking.id)
    )
    return list(rows)


async def get_session(db_session: AsyncSession, session_id: str) -> TrainingSession | None:
    return await db_session.get(TrainingSession, session_id, populate_existing=True)


def _live_sessions() -> Select[TrainingSession]:
    """Scheduled sessions of cohorts not cancelled (drafts included): the ones that take a room
    and a trainer, and that calendars show."""
    return (
        select(TrainingSession)
        .join(Cohort, Cohort.id == TrainingSession.cohort_id)
        .where(
            TrainingSession.status == SessionStatus.SCHEDULED,
            Cohort.status != CohortStatus.CANCELLED,
        )
    )


def _live_overlapping(
    start: datetime, end: datetime, exclude_sessions: Collection[str] = ()
) -> Select[TrainingSession]:
    # Half-open intervals: touching end to start is not an overlap.
    stmt = _live_sessions().where(TrainingSession.starts_at < end, TrainingSession.ends_at > start)
    if exclude_sessions:
        stmt = stmt.where(TrainingSession.id.not_in(sorted(exclude_sessions)))
    return stmt


async def clashing_sessions(
    db_session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    trainer_id: str | None = None,
    venue_id: str | None = None,
    exclude_sessions: Collection[str] = (),
) -> list[tuple[TrainingSession, str]]:
    """Every live session overlapping [start, end) taught by the trainer or held at the venue
    (whichever is given), with its course title, in time order."""
    stmt = _live_overlapping(start, end, exclude_sessions)
    if trainer_id is not None:
        stmt = stmt.where(TrainingSession.trainer_id == trainer_id)
    if venue_id is not None:
        stmt = stmt.where(TrainingSession.venue_id == venue_id)
    rows = await db_session.execute(
        stmt.join(Course, Course.id == Cohort.course_id)
        .add_columns(Course.title)
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    )
    return [(row[0], row[1]) for row in rows]


async def sessions_between(
    db_session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    trainer_id: str | None = None,
    venue_id: str | None = None,
    exclude_sessions: Collection[str] = (),
) -> Sequence[TrainingSession]:
    """The live sessions a trainer teaches or a venue holds that overlap [start, end)."""
    stmt = _live_overlapping(start, end, exclude_sessions)
    if trainer_id is not None:
        stmt = stmt.where(TrainingSession.trainer_id == trainer_id)
    if venue_id is not None:
        stmt = stmt.where(TrainingSession.venue_id == venue_id)
    return (await db_session.scalars(stmt)).all()


async def venue_has_future_sessions(db_session: AsyncSession, venue_id: str, now: datetime) -> bool:
    stmt = _live_overlapping(now, datetime.max.replace(tzinfo=now.tzinfo)).where(
        TrainingSession.venue_id == venue_id
    )
    return bool(await db_session.scalar(select(exists(stmt.subquery().select()))))


def _future_live(
    now: datetime,
    *,
    venue_id: str | None,
    trainer_id: str | None,
    course_id: str | None = None,
    cohort_id: str | None = None,
) -> Select[TrainingSession]:
    """Live sessions (see _live_sessions) starting after `now`."""
    stmt = _live_sessions().where(TrainingSession.starts_at > now)
    if course_id is not None:
        stmt = stmt.where(Cohort.course_id == course_id)
    if cohort_id is not None:
        stmt = stmt.where(TrainingSession.cohort_id == cohort_id)
    if venue_id is not None:
        stmt = stmt.where(TrainingSession.venue_id == venue_id)
    if trainer_id is not None:
        # The trainer a calendar names is the cohort's (feeds and mails join on it).
        stmt = stmt.where(Cohort.trainer_id == trainer_id)
    return stmt


async def future_sessions(
    db_session: AsyncSession,
    now: datetime,
    *,
    venue_id: str | None = None,
    trainer_id: str | None = None,
    course_id: str | None = None,
    cohort_id: str | None = None,
) -> Sequence[TrainingSession]:
    """The future live sessions held at a venue, taught by a trainer, of a course's cohorts or
    of one cohort, as stored now."""
    stmt = _future_live(
        now, venue_id=venue_id, trainer_id=trainer_id, course_id=course_id, cohort_id=cohort_id
    )
    rows = await db_session.scalars(
        stmt.order_by(TrainingSession.starts_at, TrainingSession.id).execution_options(
            populate_existing=True
        )
    )
    return rows.all()


async def touch_future_sessions(
    db_session: AsyncSession,
    now: datetime,
    *,
    venue_id: str | None = None,
    trainer_id: str | None = None,
) -> None:
    """Set updated_at (a calendar's LAST-MODIFIED) of those sessions to `now`, nothing else."""
    ids = _future_live(now, venue_id=venue_id, trainer_id=trainer_id).with_only_columns(
        TrainingSession.id
    )
    await db_session.execute(
        update(TrainingSession)
        .where(TrainingSession.id.in_(ids))
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def lock_cohorts(db_session: AsyncSession, cohort_ids: Collection[str]) -> None:
    """get_cohort's row lock on several cohorts at once, taken in id order (two writers locking
    overlapping sets never wait for each other in a circle)."""
    if not cohort_ids or not _locks_rows(db_session):
        return
    await db_session.execute(
        select(Cohort.id)
        .where(Cohort.id.in_(sorted(cohort_ids)))
        .order_by(Cohort.id)
        .with_for_update()
    )


async def first_start(db_session: AsyncSession, cohort_id: str) -> datetime | None:
    """When the cohort's first live session starts (booking closes then)."""
    return await db_session.scalar(
        select(func.min(TrainingSession.starts_at)).where(
            TrainingSession.cohort_id == cohort_id,
            TrainingSession.status == SessionStatus.SCHEDULED,
        )
    )


def _clash_with_bookings(teacher_id: str) -> Select[int]:
    mine, other = aliased(TrainingSession), aliased(TrainingSession)
    return (
        select(literal(1))
        .select_from(mine)
        .join(other, (other.starts_at < mine.ends_at) & (mine.starts_at < other.ends_at))
        .join(Booking, Booking.cohort_id == other.cohort_id)
        .where(
            mine.cohort_id == Cohort.id,
            mine.status == SessionStatus.SCHEDULED,
            other.status == SessionStatus.SCHEDULED,
            other.cohort_id != Cohort.id,
            Booking.teacher_id == teacher_id,
            Booking.status.in_(SEAT_HOLDING_STATUSES),
        )
    )


def _with_live_session_between(start: datetime | None, end: datetime | None) -> Select[str]:
    """Ids of the cohorts with a live session overlapping [start, end) (either end open)."""
    sessions = select(TrainingSession.cohort_id).where(
        TrainingSession.status == SessionStatus.SCHEDULED
    )
    if start is not None:
        sessions = sessions.where(TrainingSession.ends_at > start)
    if end is not None:
        sessions = sessions.where(TrainingSession.starts_at < end)
    return sessions


async def list_cohorts(
    db_session: AsyncSession,
    *,
    hub_id: str | None,
    course_id: str | None,
    need_area: NeedArea | None,
    start: datetime | None,
    end: datetime | None,
    has_seats: bool | None,
    clash_free_for: str | None,
    limit: int,
    cursor: str | None,
    soonest_first: bool = False,
) -> tuple[Sequence[Cohort], str | None]:
    """Published cohorts matching the filters; dates select cohorts with a live session inside;
    clash_free_for drops cohorts with a session overlapping that teacher's booked sessions.

    In id order, or with soonest_first by when the first live session starts (cohorts with
    none last), then id; each order has its own cursor."""
    stmt = select(Cohort).where(Cohort.status == CohortStatus.PUBLISHED)
    if clash_free_for is not None:
        stmt = stmt.where(~exists(_clash_with_bookings(clash_free_for)))
    if hub_id is not None:
        stmt = stmt.where(Cohort.hub_id == hub_id)
    if course_id is not None:
        stmt = stmt.where(Cohort.course_id == course_id)
    if need_area is not None:
        stmt = stmt.where(
            Cohort.course_id.in_(
                select(CourseNeedArea.course_id).where(CourseNeedArea.need_area == need_area)
            )
        )
    if start is not None or end is not None:
        stmt = stmt.where(Cohort.id.in_(_with_live_session_between(start, end)))
    if has_seats is True:
        stmt = stmt.where(
            Cohort.confirmed_count + Cohort.offered_count + Cohort.pending_count < Cohort.capacity
        )
    elif has_seats is False:
        stmt = stmt.where(
            Cohort.confirmed_count + Cohort.offered_count + Cohort.pending_count >= Cohort.capacity
        )
    if soonest_first:
        return await _page_by_first_start(db_session, stmt, limit=limit, cursor=cursor)
    return await page(db_session, stmt, Cohort.id, limit=limit, cursor=cursor)


async def _page_by_first_start(
    db_session: AsyncSession, stmt: Select[Cohort], *, limit: int, cursor: str | None
) -> tuple[Sequence[Cohort], str | None]:
    """A page of the cohorts `stmt` selects, by when their first live session starts (those
    with none last), then id. The first starts are one row per cohort with live sessions
    (ix_training_session_cohort_id_starts_at), joined in the same statement: no query per
    cohort."""
    firsts = (
        select(
            TrainingSession.cohort_id.label("cohort_id"),
            func.min(TrainingSession.starts_at).label("first_start"),
        )
        .where(TrainingSession.status == SessionStatus.SCHEDULED)
        .group_by(TrainingSession.cohort_id)
        .subquery("first_sessions")
    )
    timed = stmt.outerjoin(firsts, firsts.c.cohort_id == Cohort.id).add_columns(
        firsts.c.first_start
    )
    return await page_by_time(
        db_session, timed, firsts.c.first_start, Cohort.id, limit=limit, cursor=cursor
    )
