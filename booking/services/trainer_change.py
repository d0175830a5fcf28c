"""A cohort handed to another trainer
(docs/contract.md, Hub operations: PATCH /cohorts/{id} trainer_id).

The new trainer must be free for every future session of the cohort: available then (weekly
rules, no exception) and teaching nothing else. If not, nothing changes and the 409 lists what
is in the way. Past sessions keep the trainer who taught them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import ValidationError
from booking.models import Cohort, Role
from booking.repositories import cohorts as cohort_repo
from booking.repositories import courses as course_repo
from booking.repositories import users as user_repo
from booking.repositories.locks import lock_key
from booking.schemas.cohorts import SessionConflict
from booking.services.slot_checks import ERRORS, TRAINER_UNAVAILABLE, describe, slot_problem
from calendars.intervals import Interval


async def change_trainer(
    db_session: AsyncSession, cohort: Cohort, trainer_id: str, now: datetime
) -> None:
    """Give `cohort` (locked by the caller) and its future sessions to `trainer_id`. Only a
    calendar's DESCRIPTION names the trainer, so each moved session's LAST-MODIFIED moves and its
    SEQUENCE stays, and nobody is mailed (docs/calendars.md, 14); the feed marks
    (repositories.feed_changes) tell both trainers' feeds and the hub's."""
    trainer = await user_repo.get_user(db_session, trainer_id)
    if trainer is None or trainer.role is not Role.TRAINER or trainer.hub_id != cohort.hub_id:
        raise ValidationError.field("trainer_id", "not a trainer of this hub")
    await lock_key(db_session, "session_slot", f"trainer:{trainer_id}")
    sessions = await cohort_repo.future_sessions(db_session, now, cohort_id=cohort.id)
    own = {s.id for s in sessions}
    course = await course_repo.get_course(db_session, cohort.course_id)
    title = course.title if course is not None else ""
    codes: list[str] = []
    conflicts: list[SessionConflict] = []
    details: list[str] = []
    for session in sessions:
        problem = await slot_problem(
            db_session,
            trainer_id=trainer_id,
            venue_id=None,
            interval=Interval(session.starts_at, session.ends_at),
            exclude_sessions=own,
        )
        if problem is None:
            continue
        codes.append(problem.code)
        if problem.code == TRAINER_UNAVAILABLE:
            conflicts.append(
                SessionConflict(
                    session_id=session.id,
                    cohort_id=cohort.id,
                    course_title=title,
                    starts_at=session.starts_at,
                    ends_at=session.ends_at,
                    kind="availability",
                )
            )
            details.append(f"not available for the session from {session.starts_at.isoformat()}")
        conflicts += [clash.read() for clash in problem.clashes]
        details += [describe(clash) for clash in problem.clashes]
    if codes:
        raise ERRORS[codes[0]](
            "the new trainer: " + "; ".join(details), extra={"conflicts": conflicts}
        )
    cohort.trainer_id = trainer_id
    for session in sessions:
        session.trainer_id = trainer_id
        session.updated_at = now
