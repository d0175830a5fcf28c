"""Handing freed seats to the waitlist (API.md: in join order, within 5 seconds, never inside
promotion_cutoff of the first session).

A waiting teacher who meanwhile took a seat in an overlapping session elsewhere is passed over
(and keeps their place): booking_clash is not overridable, and a promotion must not create the
double booking a direct booking would be refused. The check needs the teacher's booking lock
(the one BookingService.book holds), or a booking of the other cohort racing this promotion
could miss it and both would go through.

Lock order, so that no two transactions wait on each other: a booking takes its cohort lock,
then its teacher lock, and waits for nothing after that. A promotion holds its cohort lock and
may wait for the first teacher lock it needs (the holder is a booking of another cohort, which
finishes without waiting on us); for any further teacher it only tries, because two promotions
each holding one teacher and waiting for the other's would deadlock. A teacher it cannot lock
at once stops the walk (join order) and leaves due work to finish it a second later.

Runs inside a unit of work holding the cohort lock (see services.seats).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from booking.durations import parse_duration
from booking.models import Booking, Cohort, SessionStatus, TrainingSession, WaitlistMode
from booking.repositories import bookings as booking_repo
from booking.repositories import cohorts as cohort_repo
from booking.repositories.locks import lock_key, try_lock_key
from booking.repositories.outbox import add_due, pending_due
from booking.services import seats
from calendars.intervals import Interval

logger = logging.getLogger(__name__)

PROMOTION_RETRY = seats.PROMOTION_RETRY
RETRY_AFTER = timedelta(seconds=1)
TEACHER_LOCK = "teacher_bookings"
# Waiting teachers read per query: a rush can leave thousands waiting, a freed seat needs one.
BATCH = 20


async def promote(db_session: AsyncSession, cohort: Cohort, now: datetime) -> None:
    """Confirm (`auto`) or offer (`offer`, expiring after offer_ttl) each free seat to the
    longest-waiting teacher who can take it. Inside promotion_cutoff nothing moves: the seat is
    simply bookable again."""
    if seats.seats_left(cohort) <= 0:
        return
    sessions = [
        s
        for s in (await cohort_repo.sessions_of(db_session, [cohort.id]))[cohort.id]
        if s.status is SessionStatus.SCHEDULED
    ]
    if not promoting(cohort, sessions, now):
        return
    locked_any = False
    after: int | None = None
    while seats.seats_left(cohort) > 0:
        waiting = await booking_repo.waitlisted_after(db_session, cohort.id, after, BATCH)
        if not waiting:
            return
        for candidate in waiting:
            if seats.seats_left(cohort) <= 0:
                break
            after = candidate.waitlist_seq
            if not await _lock_teacher(db_session, candidate.teacher_id, wait=not locked_any):
                await _defer(db_session, candidate, now)
                return
            locked_any = True
            if await _holds_overlapping_seat(db_session, candidate, sessions):
                logger.info(
                    "waitlist: passed over booking %s (a seat in an overlapping session)",
                    candidate.id,
                )
                continue
            await _hand_seat(db_session, cohort, candidate, sessions, now)
        await db_session.flush()


def first_live_start(sessions: Sequence[TrainingSession]) -> datetime | None:
    """When the first scheduled session starts (booking closes then), as
    cohort_repo.first_start gives it from the database."""
    return min((s.starts_at for s in sessions if s.status is SessionStatus.SCHEDULED), default=None)


def promoting(cohort: Cohort, sessions: Sequence[TrainingSession], now: datetime) -> bool:
    """Whether freed seats go to the waitlist now: outside promotion_cutoff of the first
    scheduled session of `sessions` (the cohort's)."""
    first = first_live_start(sessions)
    return first is not None and now < first - parse_duration(cohort.promotion_cutoff)


async def _lock_teacher(db_session: AsyncSession, teacher_id: str, *, wait: bool) -> bool:
    if wait:
        await lock_key(db_session, TEACHER_LOCK, teacher_id)
        return True
    return await try_lock_key(db_session, TEACHER_LOCK, teacher_id)


async def _holds_overlapping_seat(
    db_session: AsyncSession, candidate: Booking, sessions: Sequence[TrainingSession]
) -> bool:
    theirs = await booking_repo.teacher_booked_sessions(
        db_session, candidate.teacher_id, exclude_cohort=candidate.cohort_id
    )
    return any(
        Interval(s.starts_at, s.ends_at).overlaps(Interval(o.starts_at, o.ends_at))
        for s in sessions
        for o in theirs
    )


async def _hand_seat(
    db_session: AsyncSession,
    cohort: Cohort,
    candidate: Booking,
    sessions: Sequence[TrainingSession],
    now: datetime,
) -> None:
    if cohort.waitlist_mode is WaitlistMode.AUTO:
        session_ids = [s.id for s in sessions]
        await seats.confirm(
            db_session, cohort, candidate, now, promoted=True, session_ids=session_ids
        )
    else:
        seats.offer(db_session, cohort, candidate, now)


async def _defer(db_session: AsyncSession, candidate: Booking, now: datetime) -> None:
    """The teacher is in the middle of another booking: finish the walk a second later."""
    logger.info("waitlist: promotion in cohort %s deferred (teacher busy)", candidate.cohort_id)
    if not await pending_due(db_session, PROMOTION_RETRY, [candidate.id]):
        add_due(db_session, PROMOTION_RETRY, candidate.id, now + RETRY_AFTER)
