"""Keyset pagination over time-ordered ids: `id > cursor ORDER BY id`, stable under inserts;
and over a nullable time then the id (`page_by_time`: soonest first, no time last)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from booking.errors import ValidationError

T = TypeVar("T")

_CURSOR_PREFIX = "v1:"
# A page_by_time cursor: "t1:<last id>:<its time, ISO 8601, or nothing>". Its own prefix, so
# neither kind of cursor is taken for the other.
_TIME_CURSOR_PREFIX = "t1:"


def _not_ours() -> ValidationError:
    return ValidationError.field("cursor", "is not a cursor this service gave out")


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, prefix: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise _not_ours() from None
    if not text.startswith(prefix):
        raise _not_ours()
    return text.removeprefix(prefix)


def encode_cursor(last_id: str) -> str:
    return _encode(f"{_CURSOR_PREFIX}{last_id}")


def decode_cursor(cursor: str) -> str:
    return _decode(cursor, _CURSOR_PREFIX)


def encode_time_cursor(last_time: datetime | None, last_id: str) -> str:
    when = "" if last_time is None else last_time.isoformat()
    return _encode(f"{_TIME_CURSOR_PREFIX}{last_id}:{when}")


def decode_time_cursor(cursor: str) -> tuple[datetime | None, str]:
    """(time, id) of the last row of the page before; ids hold no ':'."""
    last_id, colon, when = _decode(cursor, _TIME_CURSOR_PREFIX).partition(":")
    if not last_id or not colon:
        raise _not_ours()
    if not when:
        return None, last_id
    try:
        last_time = datetime.fromisoformat(when)
    except ValueError:
        raise _not_ours() from None
    if last_time.tzinfo is None:
        raise _not_ours()
    return last_time, last_id


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


async def page_by_time(
    db_session: AsyncSession,
    stmt: Select[T, datetime | None],
    time_column: ColumnElement[datetime | None],
    id_column: InstrumentedAttribute[Any],
    *,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[T], str | None]:
    """One page of `stmt`, rows of (item, its time in `time_column`), soonest first, the rows
    without a time last, ties in id order; and the cursor of the next page (None on the last).

    Keyset on (time, id), written out rather than as a row value so that both engines order and
    compare NULL the same way: `time IS NULL` sorts false before true on SQLite and PostgreSQL.
    """
    if cursor is not None:
        after_time, after_id = decode_time_cursor(cursor)
        if after_time is None:
            stmt = stmt.where(time_column.is_(None), id_column > after_id)
        else:
            stmt = stmt.where(
                or_(
                    time_column > after_time,
                    and_(time_column == after_time, id_column > after_id),
                    time_column.is_(None),
                )
            )
    order = (time_column.is_(None), time_column, id_column)
    rows = (await db_session.execute(stmt.order_by(*order).limit(limit + 1))).all()
    items = [row[0] for row in rows[:limit]]
    if len(rows) <= limit:
        return items, None
    last_item, last_time = rows[limit - 1]
    return items, encode_time_cursor(last_time, getattr(last_item, "id"))  # noqa: B009
