from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import AvailabilityException, TrainerAvailability


async def get_availability(db_session: AsyncSession, trainer_id: str) -> TrainerAvailability | None:
    return await db_session.get(TrainerAvailability, trainer_id)


async def list_exceptions(
    db_session: AsyncSession,
    trainer_id: str,
    *,
    overlapping_from: datetime | None = None,
    overlapping_to: datetime | None = None,
) -> Sequence[AvailabilityException]:
    stmt = select(AvailabilityException).where(AvailabilityException.trainer_id == trainer_id)
    if overlapping_from is not None:
        stmt = stmt.where(AvailabilityException.ends_at > overlapping_from)
    if overlapping_to is not None:
        stmt = stmt.where(AvailabilityException.starts_at < overlapping_to)
    return (await db_session.scalars(stmt.order_by(AvailabilityException.starts_at))).all()


async def delete_exceptions(db_session: AsyncSession, trainer_id: str) -> None:
    await db_session.execute(
        delete(AvailabilityException).where(AvailabilityException.trainer_id == trainer_id)
    )
