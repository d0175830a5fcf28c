"""API tokens: the live ones, their use, and revoking them (deleting the row)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import ApiToken, User

# Built once: every signed-in request runs it (booking.auth.admit).
_LIVE_TOKEN = (
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.expires_at > bindparam("now"),
        User.active,
    )
)


async def live_token(
    db_session: AsyncSession, token_hash: str, now: datetime
) -> tuple[ApiToken, User] | None:
    """The token and its holder while the token is unexpired and the holder active."""
    params = {"token_hash": token_hash, "now": now}
    row = (await db_session.execute(_LIVE_TOKEN, params)).first()
    return None if row is None else (row[0], row[1])


async def record_use(
    db_session: AsyncSession,
    token_id: str,
    *,
    now: datetime,
    not_since: datetime,
    expires_at: datetime,
) -> None:
    """Move last_used_at (and expires_at) unless another request did since `not_since`: of
    the requests in one minute, across every process, one writes."""
    await db_session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.last_used_at <= not_since)
        .values(last_used_at=now, expires_at=expires_at)
    )


async def live_tokens_of(
    db_session: AsyncSession, user_id: str, now: datetime
) -> Sequence[ApiToken]:
    return (
        await db_session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.expires_at > now)
            .order_by(ApiToken.id.desc())
        )
    ).all()


async def revoke(db_session: AsyncSession, user_id: str, token_id: str) -> bool:
    """Delete one of `user_id`'s tokens; False when they hold no such token."""
    result = await db_session.execute(
        delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def revoke_all(db_session: AsyncSession, user_id: str, *, but: str | None = None) -> None:
    """Every token of the user, or every one but `but` (the one in use)."""
    stmt = delete(ApiToken).where(ApiToken.user_id == user_id)
    if but is not None:
        stmt = stmt.where(ApiToken.id != but)
    await db_session.execute(stmt)


async def revoke_by_hash(db_session: AsyncSession, token_hash: str) -> None:
    await db_session.execute(delete(ApiToken).where(ApiToken.token_hash == token_hash))


async def delete_expired(db_session: AsyncSession, now: datetime) -> int:
    result = await db_session.execute(delete(ApiToken).where(ApiToken.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
