"""Trainer availability: weekly wall-clock rules in an IANA zone, exceptions, free slots."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import NotFoundError, ValidationError
from booking.events import TrainerAwayFromSessions
from booking.models import AvailabilityException, Role, TrainerAvailability, TrainingSession, User
from booking.repositories import cohorts as cohort_repo
from booking.repositories import trainers as trainer_repo
from booking.repositories import users as user_repo
from booking.repositories.outbox import add_event
from booking.schemas.trainers import (
    AvailabilityExceptionRead,
    AvailabilityRead,
    AvailabilityWrite,
    Slot,
    SlotList,
    WeeklyBlockRead,
)
from booking.services.actor import Actor
from booking.services.cohort_views import session_view
from booking.services.validation import require_order, require_plausible, zone
from calendars.availability import free_slots, is_available
from calendars.intervals import Interval
from calendars.weekly import Weekday, WeeklyRule, parse_hhmm

DEFAULT_TIMEZONE = "Europe/London"
MAX_FREE_SLOT_WINDOW = timedelta(days=366)


def weekly_rules(blocks: list[dict[str, str]]) -> list[WeeklyRule]:
    return [
        WeeklyRule(day=Weekday(b["day"]), start=parse_hhmm(b["start"]), end=parse_hhmm(b["end"]))
        for b in blocks
    ]


async def trainer_available(db_session: AsyncSession, trainer_id: str, candidate: Interval) -> bool:
    """Inside the trainer's weekly availability and outside their exceptions (their sessions
    are not looked at here)."""
    row = await trainer_repo.get_availability(db_session, trainer_id)
    if row is None:
        return False
    exceptions = await trainer_repo.list_exceptions(
        db_session, trainer_id, overlapping_from=candidate.start, overlapping_to=candidate.end
    )
    blocked = [Interval(e.starts_at, e.ends_at) for e in exceptions]
    return is_available(weekly_rules(row.weekly), ZoneInfo(row.timezone), blocked, candidate)


async def free_windows(
    db_session: AsyncSession,
    trainer_id: str,
    window: Interval,
    duration: timedelta,
    *,
    venue_id: str | None = None,
    exclude_sessions: Collection[str] = (),
) -> list[Interval]:
    """The free-slot search: maximal windows inside the trainer's availability, outside their
    exceptions and their sessions (and, given a venue, that venue's sessions), each at least
    `duration` long. Sessions in `exclude_sessions` count as free (the one being moved)."""
    row = await trainer_repo.get_availability(db_session, trainer_id)
    if row is None:
        return []
    exceptions = await trainer_repo.list_exceptions(
        db_session, trainer_id, overlapping_from=window.start, overlapping_to=window.end
    )
    busy = list(
        await cohort_repo.sessions_between(
            db_session,
            window.start,
            window.end,
            trainer_id=trainer_id,
            exclude_sessions=exclude_sessions,
        )
    )
    if venue_id is not None:
        busy += await cohort_repo.sessions_between(
            db_session,
            window.start,
            window.end,
            venue_id=venue_id,
            exclude_sessions=exclude_sessions,
        )
    return free_slots(
        weekly_rules(row.weekly),
        ZoneInfo(row.timezone),
        [Interval(e.starts_at, e.ends_at) for e in exceptions],
        [Interval(s.starts_at, s.ends_at) for s in busy],
        window,
        duration,
    )


async def _sessions_inside_exceptions(
    db_session: AsyncSession, trainer_id: str, now: datetime
) -> list[TrainingSession]:
    """The trainer's live sessions, not yet over, that overlap any of their exceptions; in
    start order."""
    found: dict[str, TrainingSession] = {}
    for exc in await trainer_repo.list_exceptions(db_session, trainer_id, overlapping_from=now):
        for session in await cohort_repo.sessions_between(
            db_session, max(exc.starts_at, now), exc.ends_at, trainer_id=trainer_id
        ):
            found[session.id] = session
    return sorted(found.values(), key=lambda s: (s.starts_at, s.id))


class AvailabilityService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def put(
        self, db_session: AsyncSession, actor: Actor, trainer_id: str, data: AvailabilityWrite
    ) -> AvailabilityRead:
        """Replace the weekly rules and exceptions whole (the trainer, their hub_admin, admin)."""
        zone(data.timezone)
        for i, block in enumerate(data.weekly):
            if parse_hhmm(block.end) <= parse_hhmm(block.start):
                raise ValidationError.field(
                    f"weekly[{i}].end", "must be after start on the same day"
                )
        for i, exc in enumerate(data.exceptions):
            require_plausible(exc.starts_at, f"exceptions[{i}].starts_at")
            require_plausible(exc.ends_at, f"exceptions[{i}].ends_at")
            require_order(exc.starts_at, exc.ends_at, f"exceptions[{i}].ends_at")
        async with unit_of_work(db_session):
            trainer = await self._trainer(db_session, actor, trainer_id)
            now = self.clock.now()
            before = await _sessions_inside_exceptions(db_session, trainer_id, now)
            weekly = [{"day": b.day.value, "start": b.start, "end": b.end} for b in data.weekly]
            row = await trainer_repo.get_availability(db_session, trainer_id)
            if row is None:
                row = TrainerAvailability(
                    trainer_id=trainer_id, timezone=data.timezone, weekly=weekly, updated_at=now
                )
                db_session.add(row)
            else:
                row.timezone, row.weekly, row.updated_at = data.timezone, weekly, now
            await trainer_repo.delete_exceptions(db_session, trainer_id)
            db_session.add_all(
                AvailabilityException(
                    trainer_id=trainer_id, starts_at=e.starts_at, ends_at=e.ends_at, reason=e.reason
                )
                for e in data.exceptions
            )
            await db_session.flush()
            after = await _sessions_inside_exceptions(db_session, trainer_id, now)
            known = {s.id for s in before}
            new = [s for s in after if s.id not in known]
            if new and trainer.hub_id is not None:
                add_event(
                    db_session,
                    TrainerAwayFromSessions(
                        trainer_id=trainer_id,
                        hub_id=trainer.hub_id,
                        session_ids=[s.id for s in new],
                        cohort_ids=sorted({s.cohort_id for s in new}),
                    ),
                    now,
                )
        return await self.get(db_session, actor, trainer_id)

    async def get(
        self, db_session: AsyncSession, actor: Actor, trainer_id: str
    ) -> AvailabilityRead:
        await self._trainer(db_session, actor, trainer_id)
        row = await trainer_repo.get_availability(db_session, trainer_id)
        exceptions = await trainer_repo.list_exceptions(db_session, trainer_id)
        blocks = row.weekly if row else []
        return AvailabilityRead(
            trainer_id=trainer_id,
            timezone=row.timezone if row else DEFAULT_TIMEZONE,
            weekly=[
                WeeklyBlockRead(day=Weekday(b["day"]), start=b["start"], end=b["end"])
                for b in blocks
            ],
            exceptions=[
                AvailabilityExceptionRead(starts_at=e.starts_at, ends_at=e.ends_at, reason=e.reason)
                for e in exceptions
            ],
            updated_at=row.updated_at if row else None,
            conflicting_sessions=[
                await session_view(db_session, s)
                for s in await _sessions_inside_exceptions(db_session, trainer_id, self.clock.now())
            ],
        )

    async def free_slots(
        self,
        db_session: AsyncSession,
        actor: Actor,
        trainer_id: str,
        *,
        start: datetime,
        end: datetime,
        duration: timedelta,
    ) -> SlotList:
        """Maximal windows inside availability, outside exceptions and the trainer's sessions,
        each at least `duration` long."""
        require_order(start, end, "to")
        if end - start > MAX_FREE_SLOT_WINDOW:
            raise ValidationError.field("to", "the window may span at most 366 days")
        if duration <= timedelta(0):
            raise ValidationError.field("duration", "must be a positive ISO 8601 duration")
        await self._trainer(db_session, actor, trainer_id)
        slots = await free_windows(db_session, trainer_id, Interval(start, end), duration)
        return SlotList(items=[Slot(starts_at=s.start, ends_at=s.end) for s in slots])

    @staticmethod
    async def _trainer(db_session: AsyncSession, actor: Actor, trainer_id: str) -> User:
        """The trainer, if the actor may see their availability (else 404, revealing nothing)."""
        trainer = await user_repo.get_user(db_session, trainer_id)
        if trainer is None or trainer.role is not Role.TRAINER or trainer.hub_id is None:
            raise NotFoundError("no such trainer")
        if actor.id != trainer.id and not actor.manages_hub(trainer.hub_id):
            raise NotFoundError("no such trainer")
        return trainer
