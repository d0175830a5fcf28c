"""A weekly series of sessions added at once (docs/contract.md, Hub operations): all or nothing.

Every occurrence is checked as a single session would be, against the calendars as they are
before the series; if any fails, none is added and the 409 lists each failing occurrence, so a
six-week course is fixed in one go rather than found out one week at a time.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import CohortCancelledError, ValidationError
from booking.models import CohortStatus
from booking.repositories import hubs as hub_repo
from booking.schemas.cohorts import SeriesConflict, SessionList, SessionSeriesCreate
from booking.services.actor import Actor
from booking.services.cohort_views import DEFAULT_ZONE, session_read, venue_zones
from booking.services.cohorts import load_cohort
from booking.services.sessions import check_place, lock_slots, new_session
from booking.services.slot_checks import ERRORS, slot_problem
from calendars.intervals import Interval
from calendars.series import weekly_series

WEEKS = {"P1W": 1, "P2W": 2}
FIELDS = ("first_starts_at", "first_ends_at")


class SessionSeriesService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def add_series(
        self, db_session: AsyncSession, actor: Actor, cohort_id: str, data: SessionSeriesCreate
    ) -> SessionList:
        every = WEEKS[data.every]
        async with unit_of_work(db_session):
            cohort = await load_cohort(db_session, cohort_id, for_update=True)
            actor.require_hub_manager(cohort.hub_id)
            if cohort.status is CohortStatus.CANCELLED:
                raise CohortCancelledError("a cancelled cohort takes no sessions")
            venue_id = data.venue_id or cohort.venue_id
            now = self.clock.now()
            await check_place(
                db_session,
                cohort,
                venue_id=venue_id,
                starts_at=data.first_starts_at,
                ends_at=data.first_ends_at,
                now=now,
                fields=FIELDS,
            )
            if data.first_ends_at - data.first_starts_at >= timedelta(weeks=every):
                # Longer than the gap between occurrences: the series would overlap itself.
                raise ValidationError.field(FIELDS[1], "must end before the next occurrence")
            venue = await hub_repo.get_venue(db_session, venue_id)
            assert venue is not None  # noqa: S101 - check_place found it
            occurrences = weekly_series(
                Interval(data.first_starts_at, data.first_ends_at),
                ZoneInfo(venue.timezone),
                every,
                data.count,
            )
            await lock_slots(db_session, venue_id=venue_id, trainer_id=cohort.trainer_id)
            conflicts = []
            for index, occurrence in enumerate(occurrences):
                problem = await slot_problem(
                    db_session,
                    trainer_id=cohort.trainer_id,
                    venue_id=venue_id,
                    interval=occurrence,
                )
                if problem is not None:
                    conflicts.append(
                        SeriesConflict(index=index, starts_at=occurrence.start, code=problem.code)
                    )
            if conflicts:
                first = conflicts[0]
                raise ERRORS[first.code](
                    f"{len(conflicts)} of {len(occurrences)} sessions cannot be scheduled; "
                    f"the first is number {first.index + 1} ({first.code})",
                    extra={"conflicts": conflicts},
                )
            sessions = [
                await new_session(db_session, cohort, venue_id, occurrence, now)
                for occurrence in occurrences
            ]
            # One venue for every occurrence: its zone decides during_school_day for them all.
            zone = (await venue_zones(db_session, [venue_id])).get(venue_id, DEFAULT_ZONE)
            return SessionList(items=[session_read(s, zone) for s in sessions])
