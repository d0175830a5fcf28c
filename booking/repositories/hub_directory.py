"""What a hub has: its trainers and its cohorts in every status (the hub pages list them)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import Cohort, Role, User


async def trainers_of_hub(db_session: AsyncSession, hub_id: str, limit: int) -> Sequence[User]:
    stmt = (
        select(User)
        .where(User.hub_id == hub_id, User.role == Role.TRAINER)
        .order_by(User.name, User.id)
        .limit(limit)
    )
    return (await db_session.scalars(stmt)).all()


async def cohorts_of_hub(db_session: AsyncSession, hub_id: str, limit: int) -> Sequence[Cohort]:
    """Drafts, published and cancelled, newest first."""
    stmt = (
        select(Cohort)
        .where(Cohort.hub_id == hub_id)
        .order_by(Cohort.created_at.desc(), Cohort.id)
        .limit(limit)
    )
    return (await db_session.scalars(stmt)).all()
