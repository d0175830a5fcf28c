"""Cohorts: create, read, list, change, publish, cancel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.durations import parse_duration
from booking.errors import (
    CapacityExceedsVenueError,
    CohortCancelledError,
    CohortHasNoSessionsError,
    NotFoundError,
    ValidationError,
)
from booking.events import CohortCancelled, CohortPublished, CohortUpdated
from booking.models import Cohort, CohortStatus, NeedArea, Role, SessionStatus
from booking.repositories import cohorts as cohort_repo
from booking.repositories import courses as course_repo
from booking.repositories import hubs as hub_repo
from booking.repositories import timetables as timetable_repo
from booking.repositories import users as user_repo
from booking.repositories.outbox import add_event
from booking.schemas.cohorts import CohortCancel, CohortCreate, CohortPage, CohortRead, CohortUpdate
from booking.services.actor import Actor
from booking.services.cohort_views import cohort_read, cohort_reads
from booking.services.seating import Seating
from booking.services.trainer_change import change_trainer
from calendars.intervals import Interval
from calendars.timetable import find_clashes

# Offers, cut-offs and reminders are days or weeks; a year is already generous.
MAX_DURATION = timedelta(days=366)


def _duration(text: object, field: str) -> timedelta:
    try:
        value = parse_duration(str(text))
    except ValueError:
        raise ValidationError.field(field, "is not a usable ISO 8601 duration") from None
    if value > MAX_DURATION:
        raise ValidationError.field(field, "may be at most 366 days")
    return value


def check_durations(values: dict[str, object]) -> None:
    """offer_ttl > 0, approval_ttl > 0, promotion_cutoff >= 0, every reminder offset > 0; none
    over 366 days."""
    if "offer_ttl" in values and _duration(values["offer_ttl"], "offer_ttl") <= timedelta(0):
        raise ValidationError.field("offer_ttl", "must be longer than zero")
    if "promotion_cutoff" in values:
        _duration(values["promotion_cutoff"], "promotion_cutoff")
    if "approval_ttl" in values and _duration(values["approval_ttl"], "approval_ttl") <= timedelta(
        0
    ):
        raise ValidationError.field("approval_ttl", "must be longer than zero")
    offsets = values.get("reminder_offsets")
    if isinstance(offsets, list):
        for i, text in enumerate(offsets):
            if _duration(text, f"reminder_offsets[{i}]") <= timedelta(0):
                raise ValidationError.field(f"reminder_offsets[{i}]", "must be longer than zero")


async def load_cohort(
    db_session: AsyncSession, cohort_id: str, *, for_update: bool = False
) -> Cohort:
    cohort = await cohort_repo.get_cohort(db_session, cohort_id, for_update=for_update)
    if cohort is None:
        raise NotFoundError("no such cohort")
    return cohort


async def visible_cohort(db_session: AsyncSession, actor: Actor | None, cohort_id: str) -> Cohort:
    """Published and cancelled cohorts are public; drafts only to their hub's staff and trainer."""
    cohort = await load_cohort(db_session, cohort_id)
    if cohort.status is CohortStatus.DRAFT and not (
        actor is not None and (actor.manages_hub(cohort.hub_id) or actor.id == cohort.trainer_id)
    ):
        raise NotFoundError("no such cohort")
    return cohort


class CohortService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def create(
        self, db_session: AsyncSession, actor: Actor, data: CohortCreate
    ) -> CohortRead:
        """A draft cohort of a course, run by a trainer of the hub at a venue of the hub."""
        actor.require_hub_manager(data.hub_id)
        check_durations(msgspec.structs.asdict(data))
        async with unit_of_work(db_session):
            if await hub_repo.get_hub(db_session, data.hub_id) is None:
                raise ValidationError.field("hub_id", "no such hub")
            if await course_repo.get_course(db_session, data.course_id) is None:
                raise ValidationError.field("course_id", "no such course")
            trainer = await user_repo.get_user(db_session, data.trainer_id)
            if trainer is None or trainer.role is not Role.TRAINER or trainer.hub_id != data.hub_id:
                raise ValidationError.field("trainer_id", "not a trainer of this hub")
            venue = await hub_repo.get_venue(db_session, data.venue_id)
            if venue is None or venue.hub_id != data.hub_id:
                raise ValidationError.field("venue_id", "not a venue of this hub")
            if data.capacity > venue.capacity:
                raise CapacityExceedsVenueError(f"the venue holds {venue.capacity}")
            now = self.clock.now()
            cohort = Cohort(
                **msgspec.structs.asdict(data),
                status=CohortStatus.DRAFT,
                created_at=now,
                updated_at=now,
            )
            db_session.add(cohort)
            await db_session.flush()
            return await cohort_read(db_session, cohort)

    async def get(
        self, db_session: AsyncSession, actor: Actor | None, cohort_id: str
    ) -> CohortRead:
        return await cohort_read(db_session, await visible_cohort(db_session, actor, cohort_id))

    async def search(
        self,
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
    ) -> CohortPage:
        """Published cohorts matching the filters, in id order (GET /api/v1/cohorts), or with
        soonest_first by first live session (the find page), those with none last, then
        id; the cursor belongs to the order it came from."""
        found: list[Cohort] = []
        while True:
            cohorts, cursor = await cohort_repo.list_cohorts(
                db_session,
                hub_id=hub_id,
                course_id=course_id,
                need_area=need_area,
                start=start,
                end=end,
                has_seats=has_seats,
                clash_free_for=clash_free_for,
                limit=limit - len(found),
                cursor=cursor,
                soonest_first=soonest_first,
            )
            if clash_free_for is not None:
                # Bookings are excluded in SQL; the timetable's stored entries are checked
                # here, page by page, until the page is full or the list ends.
                cohorts = await self._fitting(db_session, clash_free_for, cohorts)
            found += cohorts
            if cursor is None or len(found) >= limit:
                break
        return CohortPage(items=await cohort_reads(db_session, found), next_cursor=cursor)

    async def _fitting(
        self, db_session: AsyncSession, teacher_id: str, cohorts: Sequence[Cohort]
    ) -> list[Cohort]:
        sessions = await cohort_repo.sessions_of(db_session, [c.id for c in cohorts])
        live = {
            c.id: [
                (s.id, Interval(s.starts_at, s.ends_at))
                for s in sessions[c.id]
                if s.status is SessionStatus.SCHEDULED
            ]
            for c in cohorts
        }
        spans = [i for pairs in live.values() for _, i in pairs]
        if not spans:
            return list(cohorts)
        window = Interval(min(i.start for i in spans), max(i.end for i in spans))
        entries = await timetable_repo.entries_between(
            db_session, teacher_id, window.start, window.end
        )
        # One sweep over every cohort's sessions at once: per cohort, it re-sorted the teacher's
        # whole year of lessons each time (85 % of a 500-cohort request when profiled).
        clashing = {
            clash.session_id
            for clash in find_clashes(entries, [pair for pairs in live.values() for pair in pairs])
        }
        return [c for c in cohorts if not any(sid in clashing for sid, _ in live[c.id])]

    async def update(
        self, db_session: AsyncSession, actor: Actor, cohort_id: str, data: CohortUpdate
    ) -> CohortRead:
        """Capacity may not drop below confirmed + offered; a rise hands seats to the waitlist.
        A new trainer must be free for every future session (services.trainer_change)."""
        values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        check_durations(values)
        async with unit_of_work(db_session):
            cohort = await load_cohort(db_session, cohort_id, for_update=True)
            actor.require_hub_manager(cohort.hub_id)
            if cohort.status is CohortStatus.CANCELLED:
                raise CohortCancelledError("a cancelled cohort cannot change")
            now = self.clock.now()
            seating = Seating(self.clock)
            if "trainer_id" in values:
                trainer_id = str(values.pop("trainer_id"))
                if trainer_id != cohort.trainer_id:
                    await change_trainer(db_session, cohort, trainer_id, now)
                    values["trainer_id"] = trainer_id
            if "capacity" in values:
                capacity = int(str(values.pop("capacity")))
                seating.change_capacity_locked(cohort, capacity)
                await self._check_venues_hold(db_session, cohort, capacity)
                values["capacity"] = capacity
            for field, value in values.items():
                setattr(cohort, field, value)
            cohort.updated_at = now
            add_event(db_session, CohortUpdated(cohort_id=cohort.id, fields=sorted(values)), now)
            await seating.promote_locked(db_session, cohort, now)
            await db_session.flush()
            return await cohort_read(db_session, cohort)

    @staticmethod
    async def _check_venues_hold(db_session: AsyncSession, cohort: Cohort, capacity: int) -> None:
        """Every venue the cohort meets at holds the new capacity."""
        sessions = (await cohort_repo.sessions_of(db_session, [cohort.id]))[cohort.id]
        venue_ids = {cohort.venue_id} | {
            s.venue_id for s in sessions if s.status is SessionStatus.SCHEDULED
        }
        for venue_id in sorted(venue_ids):
            venue = await hub_repo.get_venue(db_session, venue_id)
            if venue is not None and capacity > venue.capacity:
                raise CapacityExceedsVenueError(f"{venue.name} holds {venue.capacity}")

    async def publish(self, db_session: AsyncSession, actor: Actor, cohort_id: str) -> CohortRead:
        """Open for booking; needs a session still in the future."""
        async with unit_of_work(db_session):
            cohort = await load_cohort(db_session, cohort_id, for_update=True)
            actor.require_hub_manager(cohort.hub_id)
            if cohort.status is CohortStatus.CANCELLED:
                raise CohortCancelledError("a cancelled cohort cannot be published")
            now = self.clock.now()
            sessions = (await cohort_repo.sessions_of(db_session, [cohort.id]))[cohort.id]
            if not any(s.status is SessionStatus.SCHEDULED and s.starts_at > now for s in sessions):
                raise CohortHasNoSessionsError("add a future session first")
            if cohort.status is CohortStatus.DRAFT:
                cohort.status, cohort.published_at, cohort.updated_at = (
                    CohortStatus.PUBLISHED,
                    now,
                    now,
                )
                add_event(db_session, CohortPublished(cohort_id=cohort.id), now)
            return await cohort_read(db_session, cohort)

    async def cancel(
        self, db_session: AsyncSession, actor: Actor, cohort_id: str, data: CohortCancel
    ) -> CohortRead:
        """Every active booking is cancelled and every session with it; everyone is told."""
        async with unit_of_work(db_session):
            cohort = await load_cohort(db_session, cohort_id, for_update=True)
            actor.require_hub_manager(cohort.hub_id)
            if cohort.status is not CohortStatus.CANCELLED:
                now = self.clock.now()
                await Seating(self.clock).cancel_cohort_locked(db_session, cohort)
                for session in (await cohort_repo.sessions_of(db_session, [cohort.id]))[cohort.id]:
                    if session.status is SessionStatus.SCHEDULED:
                        session.status, session.sequence, session.updated_at = (
                            SessionStatus.CANCELLED,
                            session.sequence + 1,
                            now,
                        )
                cohort.status, cohort.cancelled_at, cohort.updated_at = (
                    CohortStatus.CANCELLED,
                    now,
                    now,
                )
                cohort.cancel_reason = data.reason
                add_event(db_session, CohortCancelled(cohort_id=cohort.id, reason=data.reason), now)
            await db_session.flush()
            return await cohort_read(db_session, cohort)
