from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.database import is_postgres
from booking.models import Timetable


async def get_timetable(db_session: AsyncSession, user_id: str) -> Timetable | None:
    return await db_session.get(Timetable, user_id, populate_existing=True)


async def claim_due_refreshes(
    db_session: AsyncSession, now: datetime, limit: int
) -> Sequence[Timetable]:
    """Linked timetables due for a refresh; on PostgreSQL each is claimed by one process only."""
    stmt = (
        select(Timetable)
        .where(Timetable.source == "url", Timetable.next_refresh_at <= now)
        .order_by(Timetable.next_refresh_at)
        .limit(limit)
    )
    if is_postgres(db_session):
        stmt = stmt.with_for_update(skip_locked=True)
    return (await db_session.scalars(stmt)).all()
