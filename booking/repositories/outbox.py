"""Appending domain events and due work inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import DueWork, OutboxEvent


def add_event(db_session: AsyncSession, kind: str, payload: dict[str, Any], now: datetime) -> None:
    db_session.add(OutboxEvent(kind=kind, payload=payload, created_at=now))


def add_due(db_session: AsyncSession, kind: str, booking_id: str, due_at: datetime) -> None:
    db_session.add(DueWork(kind=kind, booking_id=booking_id, due_at=due_at))


async def finish_due(db_session: AsyncSession, kind: str, booking_id: str, now: datetime) -> None:
    """Mark a booking's pending work of `kind` done (acted on, or made moot)."""
    await db_session.execute(
        update(DueWork)
        .where(DueWork.kind == kind, DueWork.booking_id == booking_id, DueWork.done_at.is_(None))
        .values(done_at=now)
    )
