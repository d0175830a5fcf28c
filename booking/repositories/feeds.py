"""What each feed shows: live sessions of published cohorts, by the owner's role."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import (
    Booking,
    BookingStatus,
    Cohort,
    CohortStatus,
    Course,
    FeedMark,
    FeedToken,
    Hub,
    SessionStatus,
    TrainingSession,
    User,
    Venue,
)

FeedRow = tuple[TrainingSession, Cohort, Course, Venue, User]
S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def _rows() -> Select[TrainingSession, Cohort, Course, Venue, User]:
    return (
        select(TrainingSession, Cohort, Course, Venue, User)
        .join(Cohort, Cohort.id == TrainingSession.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .join(Venue, Venue.id == TrainingSession.venue_id)
        .join(User, User.id == Cohort.trainer_id)
    )


def scope(stmt: S, *, role: str, user_id: str, hub_id: str | None) -> S:
    """Teacher: their confirmed bookings; trainer: what they teach; hub_admin: their hub;
    admin: everything."""
    if role == "teacher":
        return stmt.join(Booking, Booking.cohort_id == Cohort.id).where(
            Booking.teacher_id == user_id, Booking.status == BookingStatus.CONFIRMED
        )
    if role == "trainer":
        return stmt.where(TrainingSession.trainer_id == user_id)
    if role in {"hub_admin", "hub"}:
        return stmt.where(Cohort.hub_id == hub_id)
    return stmt


async def feed_rows(
    db_session: AsyncSession,
    *,
    role: str,
    user_id: str | None,
    hub_id: str | None,
    start: datetime,
    end: datetime,
    most: int | None = None,
) -> Sequence[FeedRow]:
    """The feed's sessions in [start, end), the first `most` of them when given."""
    stmt = scope(_rows(), role=role, user_id=user_id or "", hub_id=hub_id).where(
        Cohort.status == CohortStatus.PUBLISHED,
        TrainingSession.status == SessionStatus.SCHEDULED,
        TrainingSession.ends_at > start,
        TrainingSession.starts_at < end,
    )
    stmt = stmt.order_by(TrainingSession.starts_at, TrainingSession.uid)
    result = await db_session.execute(stmt if most is None else stmt.limit(most))
    return [(row[0], row[1], row[2], row[3], row[4]) for row in result]


async def cohort_rows(db_session: AsyncSession, cohort_id: str) -> Sequence[FeedRow]:
    """Every scheduled session of one cohort (a booking's calendar file), whatever its window."""
    stmt = _rows().where(
        TrainingSession.cohort_id == cohort_id, TrainingSession.status == SessionStatus.SCHEDULED
    )
    result = await db_session.execute(stmt.order_by(TrainingSession.starts_at, TrainingSession.uid))
    return [(row[0], row[1], row[2], row[3], row[4]) for row in result]


@dataclass(frozen=True, slots=True)
class FeedState:
    """What a feed's ETag is made from, read in one query (booking.models.FeedMark)."""

    owner_id: str
    role: str
    hub_id: str | None
    marks: tuple[object, ...]
    changed_at: datetime | None


def _mark(scope: Any) -> list[Any]:  # noqa: ANN401 - a SQL string expression
    """A scope's version and changed_at, as two correlated index lookups."""
    return [
        select(column).where(FeedMark.scope == scope).scalar_subquery()
        for column in (FeedMark.version, FeedMark.changed_at)
    ]


async def personal_state(db_session: AsyncSession, token_hash: str) -> FeedState | None:
    """The feed's owner and marks: their own (`user:`), their hub's, `all` for admins, and a
    teacher's confirmed bookings (count and latest change), in one round trip, every part an
    index lookup."""
    confirmed = (Booking.teacher_id == User.id) & (Booking.status == BookingStatus.CONFIRMED)
    row = (
        await db_session.execute(
            select(
                User.id,
                User.role,
                User.hub_id,
                *_mark("user:" + User.id),
                *_mark("hub:" + User.hub_id),
                *_mark(literal("all")),
                select(func.count()).where(confirmed).scalar_subquery(),
                select(func.max(Booking.updated_at)).where(confirmed).scalar_subquery(),
            )
            .join(FeedToken, FeedToken.user_id == User.id)
            .where(FeedToken.token_hash == token_hash)
        )
    ).first()
    if row is None:
        return None
    user_id, role, hub_id, *marks = row
    # A school lead's own feed is a teacher's: the sessions they themselves are booked on.
    role = "teacher" if str(role) == "school_lead" else str(role)
    relevant = _relevant(role, marks)
    return FeedState(user_id, role, hub_id, tuple(relevant), _latest(relevant[1::2]))


def _relevant(role: str, marks: list[Any]) -> list[Any]:
    """Of (own, hub, all, bookings) marks, the pairs this role's feed shows."""
    own, hub, everything, bookings = marks[0:2], marks[2:4], marks[4:6], marks[6:8]
    return {
        "teacher": own + bookings,
        "trainer": own,
        "hub_admin": hub,
        "admin": everything,
    }.get(role, own)


async def hub_state(
    db_session: AsyncSession, hub_id: str
) -> tuple[str, tuple[object, ...], datetime | None] | None:
    """A hub's name and its feed's mark, in one query; None for no such hub."""
    row = (
        await db_session.execute(select(Hub.name, *_mark("hub:" + Hub.id)).where(Hub.id == hub_id))
    ).first()
    if row is None:
        return None
    name, version, changed_at = row
    return name, (version, changed_at), changed_at


def _latest(moments: Iterable[Any]) -> datetime | None:
    found = [m for m in moments if isinstance(m, datetime)]
    return max(found) if found else None
