"""Serialising writers on a key that has no row to lock yet (e.g. an email address).

PostgreSQL: a transaction-scoped advisory lock. SQLite: every write transaction already starts
with BEGIN IMMEDIATE (booking.database), which serialises writers, so nothing more is needed.
"""

from __future__ import annotations

from sqlalchemy import String, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.database import is_postgres

# Built once (a booking takes one): the key is a bound parameter.
_KEY = func.hashtextextended(bindparam("key", type_=String), 0)
_LOCK = select(func.pg_advisory_xact_lock(_KEY))
_TRY_LOCK = select(func.pg_try_advisory_xact_lock(_KEY))


async def lock_key(db_session: AsyncSession, namespace: str, key: str) -> None:
    if is_postgres(db_session):
        await db_session.execute(_LOCK, {"key": f"{namespace}:{key}"})


async def try_lock_key(db_session: AsyncSession, namespace: str, key: str) -> bool:
    """Take the lock if nobody holds it; False (without waiting) when another transaction does.
    For a writer that already holds other locks and must not wait into a deadlock."""
    if not is_postgres(db_session):
        return True
    return bool(await db_session.scalar(_TRY_LOCK, {"key": f"{namespace}:{key}"}))
