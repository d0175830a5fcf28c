from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import IdempotencyRecord


async def find(
    db_session: AsyncSession, user_id: str, key: str, since: datetime
) -> IdempotencyRecord | None:
    """The record for (user, key) if made after `since`; older ones are deleted (keys last 24 h)."""
    record = await db_session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    )
    if record is not None and record.created_at <= since:
        await db_session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
            )
        )
        await db_session.flush()
        return None
    return record
