"""Keyset pagination over time-ordered ids: `id > cursor ORDER BY id`, stable under inserts."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from booking.errors import ValidationError

T = TypeVar("T")

_CURSOR_PREFIX = "v1:"


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise ValidationError.field("cursor", "is not a cursor this service gave out") from None
    if not text.startswith(_CURSOR_PREFIX):
        raise ValidationError.field("cursor", "is not a cursor this service gave out")
    return text.removeprefix(_CURSOR_PREFIX)


async def page(
    db_session: AsyncSession,
    stmt: Select[T],
    id_column: InstrumentedAttribute[Any],
    *,
    limit: int,
    cursor: str | None,
    newest_first: bool = False,
) -> tuple[Sequence[T], str | None]:
    """One page of `stmt` and the cursor of the next page (None on the last page); ids are
    time-ordered, so `newest_first` is `id < cursor ORDER BY id DESC`."""
    if cursor is not None:
        after = decode_cursor(cursor)
        stmt = stmt.where(id_column < after if newest_first else id_column > after)
    order = id_column.desc() if newest_first else id_column
    rows = (await db_session.scalars(stmt.order_by(order).limit(limit + 1))).all()
    if len(rows) <= limit:
        return rows, None
    items = rows[:limit]
    return items, encode_cursor(getattr(items[-1], "id"))  # noqa: B009 - every paged model has an id
