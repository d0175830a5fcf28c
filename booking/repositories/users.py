from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import ApiToken, EmailCode, User


async def get_user(db_session: AsyncSession, user_id: str) -> User | None:
    return await db_session.get(User, user_id)


async def get_user_by_email(db_session: AsyncSession, email: str) -> User | None:
    return await db_session.scalar(select(User).where(User.email == email))


async def get_user_by_token_hash(db_session: AsyncSession, token_hash: str) -> User | None:
    return await db_session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_hash)
    )


async def delete_token(db_session: AsyncSession, token_hash: str) -> None:
    await db_session.execute(delete(ApiToken).where(ApiToken.token_hash == token_hash))


async def codes_sent_since(db_session: AsyncSession, email: str, since: datetime) -> list[datetime]:
    """Creation times of the codes sent to `email` after `since`, oldest first."""
    rows = await db_session.scalars(
        select(EmailCode.created_at)
        .where(EmailCode.email == email, EmailCode.created_at > since)
        .order_by(EmailCode.created_at)
    )
    return list(rows)


async def newest_code(db_session: AsyncSession, email: str) -> EmailCode | None:
    return await db_session.scalar(
        select(EmailCode)
        .where(EmailCode.email == email)
        .order_by(EmailCode.created_at.desc(), EmailCode.id.desc())
        .limit(1)
    )


async def record_wrong_attempt(db_session: AsyncSession, code_id: str) -> None:
    # Atomic increment: concurrent wrong guesses are all counted.
    await db_session.execute(
        update(EmailCode).where(EmailCode.id == code_id).values(attempts=EmailCode.attempts + 1)
    )


async def consume_code(
    db_session: AsyncSession, code_id: str, at: datetime, max_attempts: int
) -> bool:
    """Mark the code used; False when another request used it first or it was voided."""
    result = await db_session.execute(
        update(EmailCode)
        .where(
            EmailCode.id == code_id,
            EmailCode.used_at.is_(None),
            EmailCode.attempts < max_attempts,
        )
        .values(used_at=at)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def count_users(db_session: AsyncSession) -> int:
    return int(await db_session.scalar(select(func.count()).select_from(User)) or 0)
