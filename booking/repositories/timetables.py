"""Teachers' timetables: the source kept as given, and its occurrences stored as entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.database import is_postgres
from booking.ids import new_id
from booking.models import Timetable, TimetableEntry
from calendars.clashes import BusyEntry


async def get_timetable(db_session: AsyncSession, user_id: str) -> Timetable | None:
    return await db_session.get(Timetable, user_id, populate_existing=True)


async def claim_due_refreshes(
    db_session: AsyncSession, now: datetime, limit: int
) -> Sequence[Timetable]:
    """Linked timetables due for a refresh; on PostgreSQL each is claimed by one process only."""
    stmt = (
        select(Timetable)
        .where(Timetable.source == "url", Timetable.next_refresh_at <= now)
        .order_by(Timetable.next_refresh_at)
        .limit(limit)
    )
    if is_postgres(db_session):
        stmt = stmt.with_for_update(skip_locked=True)
    return (await db_session.scalars(stmt)).all()


async def replace_entries(
    db_session: AsyncSession, user_id: str, entries: Sequence[BusyEntry]
) -> None:
    """The user's stored entries become `entries` (one DELETE, one multi-row INSERT)."""
    await db_session.execute(delete(TimetableEntry).where(TimetableEntry.user_id == user_id))
    if entries:
        await db_session.execute(
            insert(TimetableEntry),
            [
                {
                    "id": new_id(),
                    "user_id": user_id,
                    "starts_at": e.start,
                    "ends_at": e.end,
                    "summary": e.summary,
                    "all_day": e.all_day,
                    "transparent": e.transparent,
                }
                for e in entries
            ],
        )


# Built once: every booking's clash check runs it.
_ENTRIES_BETWEEN = (
    select(
        TimetableEntry.starts_at,
        TimetableEntry.ends_at,
        TimetableEntry.summary,
        TimetableEntry.all_day,
        TimetableEntry.transparent,
    )
    .where(
        TimetableEntry.user_id == bindparam("user_id"),
        TimetableEntry.starts_at < bindparam("end"),
        TimetableEntry.ends_at > bindparam("start"),
    )
    .order_by(TimetableEntry.starts_at, TimetableEntry.ends_at)
)


async def entries_between(
    db_session: AsyncSession, user_id: str, start: datetime, end: datetime
) -> list[BusyEntry]:
    """The stored entries overlapping [start, end), in order (half-open: touching is not)."""
    params = {"user_id": user_id, "start": start, "end": end}
    return [BusyEntry(*row) for row in await db_session.execute(_ENTRIES_BETWEEN, params)]


async def count_entries(
    db_session: AsyncSession, user_id: str, start: datetime, end: datetime
) -> tuple[int, int]:
    """(entries, busy entries) overlapping [start, end)."""
    busy = ~TimetableEntry.all_day & ~TimetableEntry.transparent
    row = (
        await db_session.execute(
            select(func.count(), func.count().filter(busy)).where(
                TimetableEntry.user_id == user_id,
                TimetableEntry.starts_at < end,
                TimetableEntry.ends_at > start,
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def claim_due_expansions(
    db_session: AsyncSession, now: datetime, horizon: datetime, limit: int
) -> Sequence[Timetable]:
    """Timetables whose stored window ends before `horizon` (or was never expanded) and that
    no process holds a lease on; the caller sets the lease."""
    stmt = (
        select(Timetable)
        .where(
            or_(Timetable.expanded_until.is_(None), Timetable.expanded_until < horizon),
            or_(Timetable.expanding_until.is_(None), Timetable.expanding_until <= now),
        )
        .order_by(Timetable.expanded_until.is_not(None), Timetable.expanded_until)
        .limit(limit)
    )
    if is_postgres(db_session):
        stmt = stmt.with_for_update(skip_locked=True)
    return (await db_session.scalars(stmt)).all()
