from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import School, User
from booking.repositories.pagination import page


async def get_school(db_session: AsyncSession, school_id: str) -> School | None:
    return await db_session.get(School, school_id)


async def by_ids(db_session: AsyncSession, ids: Collection[str]) -> dict[str, School]:
    if not ids:
        return {}
    rows = await db_session.scalars(select(School).where(School.id.in_(ids)))
    return {s.id: s for s in rows}


async def get_by_urn(db_session: AsyncSession, urn: int) -> School | None:
    return await db_session.scalar(select(School).where(School.urn == urn))


async def by_urns(db_session: AsyncSession, urns: Collection[int]) -> dict[int, School]:
    if not urns:
        return {}
    rows = await db_session.scalars(select(School).where(School.urn.in_(urns)))
    return {s.urn: s for s in rows}


async def list_schools(
    db_session: AsyncSession,
    *,
    words: Sequence[str],
    urn: int | None,
    local_authority: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[School], str | None]:
    """Every folded word must start a word of the folded name (models.schools.search_name);
    the local authority matches in any case."""
    stmt = select(School)
    if words:
        by_name = and_(*(School.search_name.contains(f" {w}", autoescape=True) for w in words))
        # A search for digits alone may be a URN ("searchable by name or URN").
        only = words[0] if len(words) == 1 else ""
        if only.isdigit() and len(only) <= 9:  # noqa: PLR2004 - the column is an int
            by_name = or_(by_name, School.urn == int(only))
        stmt = stmt.where(by_name)
    if urn is not None:
        stmt = stmt.where(School.urn == urn)
    if local_authority is not None:
        stmt = stmt.where(func.lower(School.local_authority) == local_authority.strip().lower())
    return await page(db_session, stmt, School.id, limit=limit, cursor=cursor)


async def schools_of_hub(db_session: AsyncSession, hub_id: str) -> Sequence[School]:
    return (
        await db_session.scalars(
            select(School).where(School.hub_id == hub_id).order_by(School.name, School.id)
        )
    ).all()


_MEMBERSHIP = (
    select(User.school_id, School.approval_required)
    .outerjoin(School, School.id == User.school_id)
    .where(User.id == bindparam("user_id"))
)


async def membership(db_session: AsyncSession, user_id: str) -> tuple[str | None, bool]:
    """The person's school (None without one) and whether it approves its staff's bookings,
    in one query (a booking needs both)."""
    row = (await db_session.execute(_MEMBERSHIP, {"user_id": user_id})).first()
    if row is None:
        return None, False
    return row.school_id, bool(row.approval_required)
