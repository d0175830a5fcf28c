"""What each feed shows: live sessions of published cohorts, by the owner's role."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import (
    Booking,
    BookingStatus,
    Cohort,
    CohortStatus,
    Course,
    FeedToken,
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
) -> Sequence[FeedRow]:
    stmt = scope(_rows(), role=role, user_id=user_id or "", hub_id=hub_id).where(
        Cohort.status == CohortStatus.PUBLISHED,
        TrainingSession.status == SessionStatus.SCHEDULED,
        TrainingSession.ends_at > start,
        TrainingSession.starts_at < end,
    )
    result = await db_session.execute(stmt.order_by(TrainingSession.starts_at, TrainingSession.uid))
    return [(row[0], row[1], row[2], row[3], row[4]) for row in result]


async def cohort_rows(db_session: AsyncSession, cohort_id: str) -> Sequence[FeedRow]:
    """Every scheduled session of one cohort (a booking's calendar file), whatever its window."""
    stmt = _rows().where(
        TrainingSession.cohort_id == cohort_id, TrainingSession.status == SessionStatus.SCHEDULED
    )
    result = await db_session.execute(stmt.order_by(TrainingSession.starts_at, TrainingSession.uid))
    return [(row[0], row[1], row[2], row[3], row[4]) for row in result]


async def last_change(
    db_session: AsyncSession, *, role: str, user_id: str | None, hub_id: str | None
) -> datetime | None:
    """The latest change to anything the feed shows or showed (cancellations included)."""
    found = []
    for column in (TrainingSession.updated_at, Cohort.updated_at):
        stmt = (
            select(func.max(column))
            .select_from(TrainingSession)
            .join(Cohort, Cohort.id == TrainingSession.cohort_id)
        )
        found.append(
            await db_session.scalar(scope(stmt, role=role, user_id=user_id or "", hub_id=hub_id))
        )
    if role == "teacher":
        found.append(
            await db_session.scalar(
                select(func.max(Booking.updated_at)).where(Booking.teacher_id == user_id)
            )
        )
    changes = [c for c in found if c is not None]
    return max(changes) if changes else None


async def token_owner(db_session: AsyncSession, token_hash: str) -> User | None:
    return await db_session.scalar(
        select(User)
        .join(FeedToken, FeedToken.user_id == User.id)
        .where(FeedToken.token_hash == token_hash)
    )


async def fingerprint(
    db_session: AsyncSession,
    *,
    role: str,
    user_id: str | None,
    hub_id: str | None,
    start: datetime,
    end: datetime,
) -> tuple[tuple[object, ...], datetime | None]:
    """(aggregates, last change): changes whenever anything the feed renders changes — how
    many sessions, the latest change to any session (and their SEQUENCEs), cohort, course,
    venue or trainer in it, and last_change (cancellations included), which is also the
    feed's Last-Modified."""
    stmt = scope(
        select(
            func.count(TrainingSession.id),
            func.max(TrainingSession.updated_at),
            # A SEQUENCE bump shows even when two changes share a timestamp.
            func.coalesce(func.sum(TrainingSession.sequence), 0),
            func.max(Cohort.updated_at),
            func.max(Course.updated_at),
            func.max(Venue.updated_at),
            func.max(User.updated_at),
        )
        .select_from(TrainingSession)
        .join(Cohort, Cohort.id == TrainingSession.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .join(Venue, Venue.id == TrainingSession.venue_id)
        .join(User, User.id == Cohort.trainer_id)
        .where(
            Cohort.status == CohortStatus.PUBLISHED,
            TrainingSession.status == SessionStatus.SCHEDULED,
            TrainingSession.ends_at > start,
            TrainingSession.starts_at < end,
        ),
        role=role,
        user_id=user_id or "",
        hub_id=hub_id,
    )
    row = (await db_session.execute(stmt)).one()
    return tuple(row), await last_change(db_session, role=role, user_id=user_id, hub_id=hub_id)
