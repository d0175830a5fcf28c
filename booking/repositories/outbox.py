"""Appending domain events and due work inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.events import Event, kind_of, to_row
from booking.models import Booking, DueWork, OutboxEvent


def add_event(db_session: AsyncSession, event: Event, now: datetime) -> None:
    """Append `event` to the outbox in the caller's transaction (sent on only after commit)."""
    db_session.add(OutboxEvent(kind=kind_of(event), payload=to_row(event), created_at=now))


def add_due(db_session: AsyncSession, kind: str, booking_id: str, due_at: datetime) -> None:
    db_session.add(DueWork(kind=kind, booking_id=booking_id, due_at=due_at))


async def finish_due(db_session: AsyncSession, kind: str, booking_id: str, now: datetime) -> None:
    """Mark a booking's pending work of `kind` done (acted on, or made moot)."""
    await db_session.execute(
        update(DueWork)
        .where(DueWork.kind == kind, DueWork.booking_id == booking_id, DueWork.done_at.is_(None))
        .values(done_at=now)
    )


async def pending_due(db_session: AsyncSession, kind: str, booking_ids: Sequence[str]) -> set[str]:
    """Which of the bookings already have pending work of `kind`."""
    if not booking_ids:
        return set()
    rows = await db_session.scalars(
        select(DueWork.booking_id).where(
            DueWork.kind == kind, DueWork.booking_id.in_(booking_ids), DueWork.done_at.is_(None)
        )
    )
    return set(rows)


async def cohort_has_pending_due(db_session: AsyncSession, kind: str, cohort_id: str) -> bool:
    found = await db_session.scalar(
        select(DueWork.id)
        .join(Booking, Booking.id == DueWork.booking_id)
        .where(DueWork.kind == kind, DueWork.done_at.is_(None), Booking.cohort_id == cohort_id)
        .limit(1)
    )
    return found is not None


async def due_booking_ids(
    db_session: AsyncSession, kind: str, now: datetime, limit: int
) -> Sequence[str]:
    """Bookings with pending work of `kind` due by `now`, earliest first."""
    rows = await db_session.scalars(
        select(DueWork.booking_id)
        .where(DueWork.kind == kind, DueWork.done_at.is_(None), DueWork.due_at <= now)
        .order_by(DueWork.due_at)
        .limit(limit)
    )
    return rows.all()


async def next_due(db_session: AsyncSession) -> datetime | None:
    """The earliest due time of pending work of any kind."""
    return await db_session.scalar(
        select(func.min(DueWork.due_at)).where(DueWork.done_at.is_(None))
    )
