"""Whether a session may take a time, and when not, what is in the way and what is free nearby.

A time is refused when it is outside the trainer's availability (or inside an exception), or
when it overlaps a live session the trainer teaches or the venue holds. The refusal names every
session in the way (both kinds when the trainer and the venue both clash, under the first code)
and suggests up to three of the nearest windows of the same length, within 14 days, where the
trainer and the venue are both free: a hub admin can pick one instead of guessing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import (
    ConflictError,
    TrainerDoubleBookedError,
    TrainerUnavailableError,
    VenueDoubleBookedError,
)
from booking.models import TrainingSession
from booking.repositories import cohorts as cohort_repo
from booking.schemas.cohorts import SessionConflict, TimeWindow
from booking.services.availability import free_windows, trainer_available
from calendars.availability import nearest_windows
from calendars.intervals import Interval

SUGGESTION_RANGE = timedelta(days=14)
MAX_SUGGESTIONS = 3

TRAINER_UNAVAILABLE = TrainerUnavailableError.code
TRAINER_DOUBLE_BOOKED = TrainerDoubleBookedError.code
VENUE_DOUBLE_BOOKED = VenueDoubleBookedError.code


@dataclass(frozen=True, slots=True)
class Clash:
    kind: str  # "trainer" or "venue": whose calendar the other session is in
    session: TrainingSession
    course_title: str

    def read(self) -> SessionConflict:
        return SessionConflict(
            session_id=self.session.id,
            cohort_id=self.session.cohort_id,
            course_title=self.course_title,
            starts_at=self.session.starts_at,
            ends_at=self.session.ends_at,
            kind="trainer" if self.kind == "trainer" else "venue",
        )


@dataclass(frozen=True, slots=True)
class SlotProblem:
    """Why a time cannot be had: the first rule it breaks (`code`) and the sessions in the way."""

    code: str
    clashes: list[Clash] = field(default_factory=list)


async def slot_problem(
    db_session: AsyncSession,
    *,
    trainer_id: str,
    venue_id: str | None,
    interval: Interval,
    exclude_sessions: Collection[str] = (),
) -> SlotProblem | None:
    """None when the time is free for this trainer at this venue (no venue: the trainer only);
    sessions in `exclude_sessions` do not count (the one being moved, or the sessions of a
    cohort changing trainer)."""
    overlapping = {
        kind: await cohort_repo.clashing_sessions(
            db_session,
            interval.start,
            interval.end,
            exclude_sessions=exclude_sessions,
            **{f"{kind}_id": who},
        )
        for kind, who in (("trainer", trainer_id), ("venue", venue_id))
        if who is not None
    }
    clashes = [
        Clash(kind, session, title) for kind, rows in overlapping.items() for session, title in rows
    ]
    if not await trainer_available(db_session, trainer_id, interval):
        return SlotProblem(TRAINER_UNAVAILABLE, clashes)
    if overlapping["trainer"]:
        return SlotProblem(TRAINER_DOUBLE_BOOKED, clashes)
    if overlapping.get("venue"):
        return SlotProblem(VENUE_DOUBLE_BOOKED, clashes)
    return None


async def suggestions(
    db_session: AsyncSession,
    *,
    trainer_id: str,
    venue_id: str,
    interval: Interval,
    now: datetime,
    exclude_sessions: Collection[str] = (),
) -> list[Interval]:
    """Up to three windows as long as `interval`, nearest to it, starting within 14 days of it
    and after `now`, where the trainer is available and neither the trainer nor the venue has
    another session."""
    start = max(interval.start - SUGGESTION_RANGE, now)
    end = interval.start + SUGGESTION_RANGE + interval.duration
    if end - start < interval.duration:
        return []
    free = await free_windows(
        db_session,
        trainer_id,
        Interval(start, end),
        interval.duration,
        venue_id=venue_id,
        exclude_sessions=exclude_sessions,
    )
    return nearest_windows(free, interval, MAX_SUGGESTIONS)


def describe(clash: Clash) -> str:
    whose = "the trainer teaches" if clash.kind == "trainer" else "the venue holds"
    session = clash.session
    return (
        f"{whose} {clash.course_title} from {session.starts_at.isoformat()} "
        f"to {session.ends_at.isoformat()} (session {session.id})"
    )


ERRORS: dict[str, type[ConflictError]] = {
    TRAINER_UNAVAILABLE: TrainerUnavailableError,
    TRAINER_DOUBLE_BOOKED: TrainerDoubleBookedError,
    VENUE_DOUBLE_BOOKED: VenueDoubleBookedError,
}


def problem_error(problem: SlotProblem, suggested: list[Interval]) -> ConflictError:
    """The 409 for `problem`, its detail naming the other sessions, with `conflicts` and
    `suggestions` beside the standard members (SchedulingProblem in the OpenAPI document)."""
    if problem.code == TRAINER_UNAVAILABLE:
        detail = "outside the trainer's availability or inside an exception"
        if problem.clashes:
            detail += "; also " + "; ".join(describe(c) for c in problem.clashes)
    else:
        detail = "; ".join(describe(c) for c in problem.clashes)
    return ERRORS[problem.code](
        detail,
        extra={
            "conflicts": [c.read() for c in problem.clashes],
            "suggestions": [TimeWindow(starts_at=w.start, ends_at=w.end) for w in suggested],
        },
    )
