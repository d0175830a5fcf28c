"""Mail delivery rows for the admin endpoints: newest first, and one row locked for a retry.

The message bytes are deferred (and may not be loaded by accident): neither a list nor a retry
needs them, and a list of 200 mails with attachments would otherwise read megabytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from booking.errors import ValidationError
from booking.models import Delivery, DeliveryStatus
from booking.repositories.pagination import decode_cursor, encode_cursor

_WITHOUT_MESSAGE = defer(Delivery.message, raiseload=True)


def _can_be_an_id(value: str) -> bool:
    # PostgreSQL refuses a NUL in a text parameter with an error rather than finding no row;
    # no id we issue contains one, so such a value is answered here instead of becoming a 500.
    return "\x00" not in value


async def list_deliveries(
    db_session: AsyncSession, *, status: DeliveryStatus | None, limit: int, cursor: str | None
) -> tuple[Sequence[Delivery], str | None]:
    """One page, newest first, and the cursor of the next page (None on the last page).

    Ids are time-ordered, so `id < cursor ORDER BY id DESC` is the newest-first mirror of
    pagination.page: stable while the dispatcher inserts new rows, which land before page one.
    """
    stmt = select(Delivery).options(_WITHOUT_MESSAGE)
    if status is not None:
        stmt = stmt.where(Delivery.status == status)
    if cursor is not None:
        after = decode_cursor(cursor)
        if not _can_be_an_id(after):
            raise ValidationError.field("cursor", "is not a cursor this service gave out")
        stmt = stmt.where(Delivery.id < after)
    rows = (await db_session.scalars(stmt.order_by(Delivery.id.desc()).limit(limit + 1))).all()
    if len(rows) <= limit:
        return rows, None
    items = rows[:limit]
    return items, encode_cursor(items[-1].id)


async def get_delivery_for_update(db_session: AsyncSession, delivery_id: str) -> Delivery | None:
    """The row, locked to the end of the transaction (PostgreSQL: FOR UPDATE, so a sender that
    is recording an attempt and a retry queue behind each other; SQLite renders no FOR UPDATE,
    its BEGIN IMMEDIATE already excludes other writers)."""
    if not _can_be_an_id(delivery_id):
        return None
    stmt = (
        select(Delivery)
        .where(Delivery.id == delivery_id)
        .options(_WITHOUT_MESSAGE)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await db_session.scalar(stmt)


async def has_message(db_session: AsyncSession, delivery_id: str) -> bool:
    """Whether the row holds a composed message, asked without reading the bytes."""
    size = await db_session.scalar(
        select(func.length(Delivery.message)).where(Delivery.id == delivery_id)
    )
    return bool(size)
