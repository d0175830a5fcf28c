"""Fixed-window counters in the database, shared by every process (booking.limiter)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, bindparam, case, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from booking.models import RateLimitCounter


def _bump_statement(insert: Any) -> Any:  # noqa: ANN401 - either dialect's Insert construct
    """The upsert, built once per dialect with bound parameters: every request runs it, and
    building the construct (and its cache key) again each time cost more than sending it."""
    amount = bindparam("amount", type_=Integer)
    new_end = bindparam("new_end", type_=RateLimitCounter.expires_at.type)
    ended = RateLimitCounter.expires_at <= bindparam("now", type_=RateLimitCounter.expires_at.type)
    upsert = insert(RateLimitCounter).values(key=bindparam("key"), hits=amount, expires_at=new_end)
    return upsert.on_conflict_do_update(
        index_elements=[RateLimitCounter.key],
        set_={
            "hits": case((ended, amount), else_=RateLimitCounter.hits + amount),
            "expires_at": case((ended, new_end), else_=RateLimitCounter.expires_at),
        },
    ).returning(RateLimitCounter.hits, RateLimitCounter.expires_at)


_BUMP = {"postgresql": _bump_statement(postgresql_insert), "sqlite": _bump_statement(sqlite_insert)}


async def bump(
    conn: AsyncConnection, key: str, amount: int, window: timedelta, now: datetime
) -> tuple[int, datetime]:
    """Add `amount` to the key's window and return (hits, window end) in ONE statement: an
    upsert that starts a new window when the stored one has ended. Concurrent bumps of one key
    serialise on its row, so the count is exact across processes."""
    params = {"key": key, "amount": amount, "now": now, "new_end": now + window}
    hits, expires_at = (await conn.execute(_BUMP[conn.dialect.name], params)).one()
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
