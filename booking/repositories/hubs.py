from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import Hub, Venue
from booking.repositories.pagination import page


async def get_hub(db_session: AsyncSession, hub_id: str) -> Hub | None:
    return await db_session.get(Hub, hub_id)


async def list_hubs(
    db_session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[Sequence[Hub], str | None]:
    return await page(db_session, select(Hub), Hub.id, limit=limit, cursor=cursor)


async def get_venue(db_session: AsyncSession, venue_id: str) -> Venue | None:
    venue = await db_session.get(Venue, venue_id)
    return venue if venue is not None and venue.deleted_at is None else None


async def list_venues(
    db_session: AsyncSession, *, hub_id: str | None, limit: int, cursor: str | None
) -> tuple[Sequence[Venue], str | None]:
    stmt = select(Venue).where(Venue.deleted_at.is_(None))
    if hub_id is not None:
        stmt = stmt.where(Venue.hub_id == hub_id)
    return await page(db_session, stmt, Venue.id, limit=limit, cursor=cursor)


async def hub_exists(db_session: AsyncSession, hub_id: str) -> bool:
    return bool(await db_session.scalar(select(exists().where(Hub.id == hub_id))))


async def venues_by_ids(db_session: AsyncSession, venue_ids: Collection[str]) -> Sequence[Venue]:
    """Deleted venues too: past sessions keep the venue they were held at."""
    if not venue_ids:
        return []
    return (await db_session.scalars(select(Venue).where(Venue.id.in_(venue_ids)))).all()
