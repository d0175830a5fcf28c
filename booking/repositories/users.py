from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import EmailCode, Role, User
from booking.repositories.pagination import page


async def get_user(db_session: AsyncSession, user_id: str) -> User | None:
    return await db_session.get(User, user_id)


async def get_user_by_email(db_session: AsyncSession, email: str) -> User | None:
    return await db_session.scalar(select(User).where(User.email == email))


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


async def delete_code(db_session: AsyncSession, code_id: str) -> None:
    await db_session.execute(delete(EmailCode).where(EmailCode.id == code_id))


async def delete_codes_issued_before(db_session: AsyncSession, before: datetime) -> int:
    """Retention: sign-in codes go within 24 hours of issue, used or not."""
    result = await db_session.execute(delete(EmailCode).where(EmailCode.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


async def list_users(
    db_session: AsyncSession,
    *,
    role: str | None,
    hub_id: str | None,
    school_id: str | None,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[User], str | None]:
    """People (erased ones left out), oldest first; `q` matches name or email, any case."""
    stmt = select(User).where(User.erased_at.is_(None))
    if role is not None:
        stmt = stmt.where(User.role == role)
    if hub_id is not None:
        stmt = stmt.where(User.hub_id == hub_id)
    if school_id is not None:
        stmt = stmt.where(User.school_id == school_id)
    if q:
        needle = q.lower()
        stmt = stmt.where(
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                func.lower(User.email).contains(needle, autoescape=True),
            )
        )
    return await page(db_session, stmt, User.id, limit=limit, cursor=cursor)


async def get_user_for_update(db_session: AsyncSession, user_id: str) -> User | None:
    return await db_session.scalar(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def count_active_admins(db_session: AsyncSession) -> int:
    return int(
        await db_session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active, User.erased_at.is_(None))
        )
        or 0
    )


async def users_by_ids(db_session: AsyncSession, user_ids: Sequence[str]) -> dict[str, User]:
    if not user_ids:
        return {}
    rows = await db_session.scalars(select(User).where(User.id.in_(set(user_ids))))
    return {u.id: u for u in rows}
