"""Training sessions: add, reschedule, cancel, with the trainer's and venue's calendars checked."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import (
    CapacityExceedsVenueError,
    CohortCancelledError,
    NotFoundError,
    SessionCancelledError,
    ValidationError,
)
from booking.events import (
    CourseRetitled,
    SessionAdded,
    SessionCancelled,
    SessionDetailsChanged,
    SessionPlace,
    SessionRescheduled,
    VenueLocation,
)
from booking.models import Cohort, CohortStatus, SessionStatus, TrainingSession
from booking.repositories import cohorts as cohort_repo
from booking.repositories import hubs as hub_repo
from booking.repositories.locks import lock_key
from booking.repositories.outbox import add_event
from booking.schemas.cohorts import SessionCreate, SessionRead, SessionUpdate
from booking.services.actor import Actor
from booking.services.cohort_views import session_view
from booking.services.cohorts import load_cohort
from booking.services.seating import Seating
from booking.services.slot_checks import problem_error, slot_problem, suggestions
from booking.services.validation import require_plausible
from calendars.intervals import Interval


async def location_changed(
    db_session: AsyncSession, venue_id: str, before: Mapping[str, str], now: datetime
) -> int:
    """A venue's name, address or postcode (a calendar's LOCATION) changed: every future live
    session there gets SEQUENCE + 1 and LAST-MODIFIED `now` (docs/calendars.md, rules 13, 16, 26),
    and its confirmed attendees an updated invite (event SessionDetailsChanged). Returns how many.

    The sessions' cohorts are locked first, as a reschedule or a cancellation locks its cohort,
    so a sequence is never bumped twice to the same number. Past and in-progress sessions keep
    theirs: nobody needs an invite for them, and a past event is history.
    """
    sessions = await _lock_future_sessions(db_session, now, venue_id=venue_id)
    attendees: dict[str, list[str]] = {}
    for session in sessions:
        session.sequence += 1
        session.updated_at = now
        if session.cohort_id not in attendees:
            attendees[session.cohort_id] = await cohort_repo.confirmed_booking_ids(
                db_session, session.cohort_id
            )
        if attendees[session.cohort_id]:  # a draft or an unbooked cohort has no invite out
            add_event(
                db_session,
                SessionDetailsChanged(
                    session_id=session.id,
                    cohort_id=session.cohort_id,
                    sequence=session.sequence,
                    booking_ids=attendees[session.cohort_id],
                    changed=["location"],
                    before=VenueLocation(**before),
                ),
                now,
            )
    return len(sessions)


async def course_retitled(
    db_session: AsyncSession, course_id: str, before_title: str, now: datetime
) -> int:
    """A course's title (a calendar's SUMMARY) changed: as location_changed, every future live
    session of its cohorts gets SEQUENCE + 1, and its confirmed attendees the invite again
    (event CourseRetitled). Returns how many sessions."""
    sessions = await _lock_future_sessions(db_session, now, course_id=course_id)
    attendees: dict[str, list[str]] = {}
    for session in sessions:
        session.sequence += 1
        session.updated_at = now
        if session.cohort_id not in attendees:
            attendees[session.cohort_id] = await cohort_repo.confirmed_booking_ids(
                db_session, session.cohort_id
            )
        if attendees[session.cohort_id]:
            add_event(
                db_session,
                CourseRetitled(
                    session_id=session.id,
                    cohort_id=session.cohort_id,
                    sequence=session.sequence,
                    booking_ids=attendees[session.cohort_id],
                    before_title=before_title,
                ),
                now,
            )
    return len(sessions)


async def _lock_future_sessions(
    db_session: AsyncSession,
    now: datetime,
    *,
    venue_id: str | None = None,
    course_id: str | None = None,
) -> list[TrainingSession]:
    locked: set[str] = set()
    while True:
        sessions = await cohort_repo.future_sessions(
            db_session, now, venue_id=venue_id, course_id=course_id
        )
        # Read again under the locks: a session moved here meanwhile has a cohort to lock too.
        unlocked = {s.cohort_id for s in sessions} - locked
        if not unlocked:
            return list(sessions)
        await cohort_repo.lock_cohorts(db_session, unlocked)
        locked |= unlocked


async def check_place(
    db_session: AsyncSession,
    cohort: Cohort,
    *,
    venue_id: str,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    fields: tuple[str, str] = ("starts_at", "ends_at"),
) -> None:
    """What is checked before any calendar: times in order and in the future, a venue of the
    cohort's hub that holds the cohort. `fields` names the times in errors."""
    start_field, end_field = fields
    require_plausible(starts_at, start_field)
    require_plausible(ends_at, end_field)
    if ends_at <= starts_at:
        raise ValidationError.field(end_field, f"must be after {start_field}")
    if starts_at <= now:
        raise ValidationError.field(start_field, "must be in the future")
    venue = await hub_repo.get_venue(db_session, venue_id)
    if venue is None or venue.hub_id != cohort.hub_id:
        raise ValidationError.field("venue_id", "not a venue of this hub")
    if cohort.capacity > venue.capacity:
        raise CapacityExceedsVenueError(
            f"{venue.name} holds {venue.capacity}, the cohort {cohort.capacity}"
        )


async def lock_slots(db_session: AsyncSession, *, venue_id: str, trainer_id: str) -> None:
    """Two hub admins booking the same room or trainer at once take turns (sorted: no
    deadlock); held to the end of the transaction."""
    for key in sorted((f"venue:{venue_id}", f"trainer:{trainer_id}")):
        await lock_key(db_session, "session_slot", key)


async def new_session(
    db_session: AsyncSession, cohort: Cohort, venue_id: str, interval: Interval, now: datetime
) -> TrainingSession:
    """A scheduled session of `cohort` (already checked), announced to those booked on it."""
    session = TrainingSession(
        cohort_id=cohort.id,
        venue_id=venue_id,
        trainer_id=cohort.trainer_id,
        starts_at=interval.start,
        ends_at=interval.end,
        status=SessionStatus.SCHEDULED,
        sequence=0,
        uid=str(uuid.uuid4()),
        created_at=now,
        updated_at=now,
    )
    db_session.add(session)
    await db_session.flush()
    add_event(
        db_session,
        SessionAdded(
            session_id=session.id,
            cohort_id=cohort.id,
            booking_ids=await cohort_repo.confirmed_booking_ids(db_session, cohort.id),
        ),
        now,
    )
    return session


class SessionService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def add(
        self, db_session: AsyncSession, actor: Actor, cohort_id: str, data: SessionCreate
    ) -> SessionRead:
        """A session inside the trainer's availability, clear of the trainer's and the venue's
        other live sessions (half-open: back to back is fine), starting in the future."""
        async with unit_of_work(db_session):
            cohort = await load_cohort(db_session, cohort_id, for_update=True)
            actor.require_hub_manager(cohort.hub_id)
            if cohort.status is CohortStatus.CANCELLED:
                raise CohortCancelledError("a cancelled cohort takes no sessions")
            venue_id = data.venue_id or cohort.venue_id
            now = self.clock.now()
            await self._check(
                db_session,
                cohort,
                venue_id=venue_id,
                starts_at=data.starts_at,
                ends_at=data.ends_at,
                exclude=None,
                now=now,
            )
            session = await new_session(
                db_session, cohort, venue_id, Interval(data.starts_at, data.ends_at), now
            )
            return await session_view(db_session, session)

    async def reschedule(
        self, db_session: AsyncSession, actor: Actor, session_id: str, data: SessionUpdate
    ) -> SessionRead:
        """Same checks as adding; the sequence goes up so calendars replace the old time."""
        async with unit_of_work(db_session):
            session, cohort = await self._load(db_session, actor, session_id)
            if session.status is SessionStatus.CANCELLED:
                raise SessionCancelledError("a cancelled session cannot move")
            values = {
                k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET
            }
            starts_at = values.get("starts_at", session.starts_at)
            ends_at = values.get("ends_at", session.ends_at)
            venue_id = values.get("venue_id", session.venue_id)
            now = self.clock.now()
            await self._check(
                db_session,
                cohort,
                venue_id=venue_id,
                starts_at=starts_at,
                ends_at=ends_at,
                exclude=session.id,
                now=now,
            )
            before = SessionPlace(
                starts_at=session.starts_at, ends_at=session.ends_at, venue_id=session.venue_id
            )
            if (starts_at, ends_at, venue_id) != (
                session.starts_at,
                session.ends_at,
                session.venue_id,
            ):
                session.starts_at, session.ends_at, session.venue_id = starts_at, ends_at, venue_id
                session.sequence += 1
                session.updated_at = now
                add_event(
                    db_session,
                    SessionRescheduled(
                        session_id=session.id,
                        cohort_id=cohort.id,
                        sequence=session.sequence,
                        booking_ids=await cohort_repo.confirmed_booking_ids(db_session, cohort.id),
                        before=before,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        venue_id=venue_id,
                    ),
                    now,
                )
                await Seating(self.clock).sessions_changed_locked(db_session, cohort)
            return await session_view(db_session, session)

    async def cancel(self, db_session: AsyncSession, actor: Actor, session_id: str) -> SessionRead:
        """Kept with status cancelled (calendars need its uid and a higher sequence)."""
        async with unit_of_work(db_session):
            session, cohort = await self._load(db_session, actor, session_id)
            if session.status is SessionStatus.SCHEDULED:
                now = self.clock.now()
                session.status, session.sequence, session.updated_at = (
                    SessionStatus.CANCELLED,
                    session.sequence + 1,
                    now,
                )
                add_event(
                    db_session,
                    SessionCancelled(
                        session_id=session.id,
                        cohort_id=cohort.id,
                        sequence=session.sequence,
                        booking_ids=await cohort_repo.confirmed_booking_ids(db_session, cohort.id),
                    ),
                    now,
                )
                await Seating(self.clock).sessions_changed_locked(db_session, cohort)
            return await session_view(db_session, session)

    async def _load(
        self, db_session: AsyncSession, actor: Actor, session_id: str
    ) -> tuple[TrainingSession, Cohort]:
        session = await cohort_repo.get_session(db_session, session_id)
        if session is None:
            raise NotFoundError("no such session")
        cohort = await load_cohort(db_session, session.cohort_id, for_update=True)
        actor.require_hub_manager(cohort.hub_id)
        return session, cohort

    async def _check(
        self,
        db_session: AsyncSession,
        cohort: Cohort,
        *,
        venue_id: str,
        starts_at: datetime,
        ends_at: datetime,
        exclude: str | None,
        now: datetime,
    ) -> None:
        await check_place(
            db_session, cohort, venue_id=venue_id, starts_at=starts_at, ends_at=ends_at, now=now
        )
        await lock_slots(db_session, venue_id=venue_id, trainer_id=cohort.trainer_id)
        interval = Interval(starts_at, ends_at)
        excluded = () if exclude is None else (exclude,)
        problem = await slot_problem(
            db_session,
            trainer_id=cohort.trainer_id,
            venue_id=venue_id,
            interval=interval,
            exclude_sessions=excluded,
        )
        if problem is not None:
            suggested = await suggestions(
                db_session,
                trainer_id=cohort.trainer_id,
                venue_id=venue_id,
                interval=interval,
                now=now,
                exclude_sessions=excluded,
            )
            raise problem_error(problem, suggested)
