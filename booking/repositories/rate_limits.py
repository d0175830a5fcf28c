"""Fixed-window counters in the database, shared by every process (booking.limiter)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from booking.models import RateLimitCounter


async def bump(
    conn: AsyncConnection, key: str, amount: int, window: timedelta, now: datetime
) -> tuple[int, datetime]:
    """Add `amount` to the key's window and return (hits, window end) in ONE statement: an
    upsert that starts a new window when the stored one has ended. Concurrent bumps of one key
    serialise on its row, so the count is exact across processes."""
    insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    ended = RateLimitCounter.expires_at <= now
    new_end = literal(now + window, RateLimitCounter.expires_at.type)
    upsert = insert(RateLimitCounter).values(key=key, hits=amount, expires_at=now + window)
    stmt = upsert.on_conflict_do_update(
        index_elements=[RateLimitCounter.key],
        set_={
            "hits": case((ended, amount), else_=RateLimitCounter.hits + amount),
            "expires_at": case((ended, new_end), else_=RateLimitCounter.expires_at),
        },
    ).returning(RateLimitCounter.hits, RateLimitCounter.expires_at)
    hits, expires_at = (await conn.execute(stmt)).one()
    return int(hits), expires_at


async def read(conn: AsyncConnection, key: str, now: datetime) -> tuple[int, datetime | None]:
    """(hits, window end) of the key's current window; (0, None) when none is open."""
    row = (
        await conn.execute(
            select(RateLimitCounter.hits, RateLimitCounter.expires_at).where(
                RateLimitCounter.key == key, RateLimitCounter.expires_at > now
            )
        )
    ).first()
    return (0, None) if row is None else (int(row[0]), row[1])


async def clear(conn: AsyncConnection, key: str) -> None:
    await conn.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))


async def delete_ended(conn: AsyncConnection, now: datetime) -> int:
    result = await conn.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now))
    return int(result.rowcount or 0)
