"""Teachers' timetables: upload, weekly times with terms, or a linked URL kept fresh; busy times.

The parsing and expansion are pure (calendars.timetable) and run off the event loop
(services.calendar_import). A timetable is read once, when it is saved: its occurrences in a
window around today are stored as entries (repositories.timetables), and everything after
that (GET, /me/busy, a booking's clash check, fits_my_timetable) is an indexed query. The job
that refreshes linked calendars also moves each timetable's window on as the months pass.
Network fetches never run inside a database transaction: a slow calendar server must not hold
locks that bookings wait for.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import (
    CalendarTooLargeError,
    DomainError,
    InvalidCalendarError,
    ValidationError,
)
from booking.models import Timetable
from booking.repositories import bookings as booking_repo
from booking.repositories import timetables as timetable_repo
from booking.schemas.timetables import (
    BusyItem,
    BusyList,
    LinkedTimetable,
    TimetableRead,
    WeeklyTimetable,
)
from booking.services.actor import Actor
from booking.services.calendar_import import CalendarImport
from booking.services.validation import require_order, zone
from booking.url_fetch import Fetched, fetch_calendar, normalise_url
from calendars import timetable as tt
from calendars.intervals import Interval
from calendars.timetable_weekly import Block
from calendars.weekly import parse_hhmm

log = logging.getLogger(__name__)

MAX_BUSY_WINDOW = timedelta(days=366)
SUMMARY_WINDOW = timedelta(days=365)
# Entries are kept from 30 days before today to 366 after (the span the 20,000 limit counts);
# the job moves a window on once fewer than 335 days of it are left.
KEEP_BEFORE = timedelta(days=30)
KEEP_AFTER = timedelta(days=366)
MOVE_ON_WITHIN = timedelta(days=335)
REFRESH_EVERY = timedelta(hours=6)
RETRY_AFTER_ERROR = timedelta(hours=1)
# How long a process may take to refresh a claimed timetable before another may try.
REFRESH_LEASE = timedelta(minutes=10)


class _Claim(NamedTuple):
    """A linked timetable claimed for refresh, with the validators of its last fetch."""

    user_id: str
    url: str
    etag: str | None
    last_modified: str | None


def kept_window(now: datetime) -> Interval:
    """The span a timetable's entries are kept for, by whole days (so one save and the next
    the same day store the same window)."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return Interval(today - KEEP_BEFORE, today + KEEP_AFTER)


def weekly_entries(weekly: dict[str, object], window: Interval) -> list[tt.BusyEntry]:
    """The weekly form's teaching blocks inside `window` (term time only, when terms given)."""
    data = msgspec.convert(weekly, WeeklyTimetable)
    blocks: list[Block] = [
        (b.day, parse_hhmm(b.start), parse_hhmm(b.end), b.label or "Teaching", b.week)
        for b in data.weekly
    ]
    terms = [(t.start_date, t.end_date) for t in data.terms] if data.terms is not None else None
    return tt.expand_weekly_timetable(
        blocks,
        ZoneInfo(data.timezone),
        terms,
        window,
        week_a_starts=data.week_a_starts if data.weeks == "ab" else None,
        inset_days=data.inset_days or (),
    )


def check_weeks(data: WeeklyTimetable) -> None:
    """A two-week timetable names the Monday its week A starts; a week only in one."""
    for i, block in enumerate(data.weekly):
        if block.week is not None and data.weeks != "ab":
            raise ValidationError.field(f"weekly[{i}].week", 'needs weeks: "ab"')
    if data.weeks == "ab":
        if data.week_a_starts is None:
            raise ValidationError.field("week_a_starts", 'is required when weeks is "ab"')
        if data.week_a_starts.weekday() != 0:
            raise ValidationError.field("week_a_starts", "must be a Monday")
    elif data.week_a_starts is not None:
        raise ValidationError.field("week_a_starts", 'is only taken when weeks is "ab"')


def refused(exc: tt.InvalidCalendarError) -> DomainError:
    """The problem for a calendar we cannot take: its first unreadable event by UID and line
    (also as the problem's `uid` and `line`), or too large, or not a calendar at all."""
    if isinstance(exc, tt.UnreadableEventError):
        return InvalidCalendarError(str(exc), extra={"uid": exc.uid, "line": exc.line})
    if isinstance(exc, tt.CalendarTooLargeError):
        return CalendarTooLargeError(str(exc))
    return InvalidCalendarError(str(exc))


class TimetableService:
    def __init__(self, clock: Clock, imports: CalendarImport) -> None:
        self.clock = clock
        self.imports = imports

    async def _import(self, data: bytes) -> list[tt.BusyEntry]:
        """The calendar's entries in the kept window, read in the calendar-reading process."""
        try:
            return await self.imports.entries(data, kept_window(self.clock.now()))
        except tt.InvalidCalendarError as exc:
            raise refused(exc) from exc

    async def put_ics(self, db_session: AsyncSession, actor: Actor, data: bytes) -> TimetableRead:
        entries = await self._import(data)
        return await self._store(db_session, actor, entries, source="ics", ics=data)

    async def put_weekly(
        self, db_session: AsyncSession, actor: Actor, data: WeeklyTimetable
    ) -> TimetableRead:
        zone(data.timezone)
        for i, block in enumerate(data.weekly):
            if parse_hhmm(block.end) <= parse_hhmm(block.start):
                raise ValidationError.field(
                    f"weekly[{i}].end", "must be after start on the same day"
                )
        for i, term in enumerate(data.terms or []):
            if term.end_date < term.start_date:
                raise ValidationError.field(f"terms[{i}].end_date", "must not be before start_date")
        check_weeks(data)
        weekly = msgspec.to_builtins(data)
        entries = weekly_entries(weekly, kept_window(self.clock.now()))
        return await self._store(db_session, actor, entries, source="weekly", weekly=weekly)

    async def put_url(
        self, db_session: AsyncSession, actor: Actor, data: LinkedTimetable, *, allow_private: bool
    ) -> TimetableRead:
        """Fetched now (outside any transaction) and refreshed every few hours."""
        url = normalise_url(data.url)
        fetched = await fetch_calendar(url, allow_private=allow_private)
        entries = await self._import(fetched.body)
        return await self._store(
            db_session,
            actor,
            entries,
            source="url",
            ics=fetched.body,
            url=url,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
        )

    async def _store(
        self,
        db_session: AsyncSession,
        actor: Actor,
        entries: list[tt.BusyEntry],
        *,
        source: str,
        ics: bytes | None = None,
        url: str | None = None,
        weekly: dict[str, object] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> TimetableRead:
        async with unit_of_work(db_session):
            now = self.clock.now()
            row = await timetable_repo.get_timetable(db_session, actor.id)
            if row is None:
                row = Timetable(user_id=actor.id, source=source, updated_at=now)
                db_session.add(row)
            row.source, row.ics, row.url, row.weekly = source, ics, url, weekly
            row.etag, row.last_modified = etag, last_modified
            row.fetched_at = now if source == "url" else None
            row.next_refresh_at = now + REFRESH_EVERY if source == "url" else None
            row.last_error, row.updated_at = None, now
            await db_session.flush()
            await self._keep(db_session, row, entries, now)
            return await self.summary(db_session, row, now)

    @staticmethod
    async def _keep(
        db_session: AsyncSession, row: Timetable, entries: list[tt.BusyEntry], now: datetime
    ) -> None:
        window = kept_window(now)
        await timetable_repo.replace_entries(db_session, row.user_id, entries)
        row.expanded_from, row.expanded_until = window.start, window.end

    @staticmethod
    async def summary(
        db_session: AsyncSession, row: Timetable | None, now: datetime
    ) -> TimetableRead:
        if row is None:
            return TimetableRead(
                source=None,
                entries=0,
                busy_entries=0,
                url=None,
                fetched_at=None,
                last_error=None,
                updated_at=None,
            )
        entries, busy = await timetable_repo.count_entries(
            db_session, row.user_id, now, now + SUMMARY_WINDOW
        )
        given = (
            msgspec.convert(row.weekly, WeeklyTimetable)
            if row.source == "weekly" and row.weekly
            else None
        )
        return TimetableRead(
            source=row.source,  # type: ignore[arg-type]  # one of the three, set by _store
            entries=entries,
            busy_entries=busy,
            url=row.url,
            fetched_at=row.fetched_at,
            last_error=row.last_error,
            updated_at=row.updated_at,
            weekly=given.weekly if given else None,
            timezone=given.timezone if given else None,
            terms=given.terms if given else None,
            weeks=given.weeks if given else None,
            week_a_starts=given.week_a_starts if given else None,
            inset_days=given.inset_days if given else None,
        )

    async def get(self, db_session: AsyncSession, actor: Actor) -> TimetableRead:
        row = await timetable_repo.get_timetable(db_session, actor.id)
        return await self.summary(db_session, row, self.clock.now())

    async def delete(self, db_session: AsyncSession, actor: Actor) -> None:
        async with unit_of_work(db_session):
            row = await timetable_repo.get_timetable(db_session, actor.id)
            if row is not None:
                await db_session.delete(row)

    @staticmethod
    async def entries(
        db_session: AsyncSession, user_id: str, window: Interval
    ) -> list[tt.BusyEntry]:
        return await timetable_repo.entries_between(db_session, user_id, window.start, window.end)

    async def busy(
        self, db_session: AsyncSession, actor: Actor, start: datetime, end: datetime
    ) -> BusyList:
        """Timetable occurrences that count as busy, and sessions the caller holds a seat in."""
        require_order(start, end, "to")
        if end - start > MAX_BUSY_WINDOW:
            raise ValidationError.field("to", "the window may span at most 366 days")
        window = Interval(start, end)
        items = [
            BusyItem(starts_at=e.start, ends_at=e.end, summary=e.summary, source="timetable")
            for e in await self.entries(db_session, actor.id, window)
            if e.counts_as_busy
        ]
        titles = await booking_repo.teacher_booked_titles(db_session, actor.id)
        items += [
            BusyItem(
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                summary=titles.get(s.cohort_id, ""),
                source="booking",
            )
            for s in await booking_repo.teacher_booked_sessions(db_session, actor.id)
            if Interval(s.starts_at, s.ends_at).overlaps(window)
        ]
        return BusyList(items=sorted(items, key=lambda i: (i.starts_at, i.ends_at, i.source)))

    async def move_windows(self, db_session: AsyncSession, *, batch: int = 20) -> int:
        """Timetables whose kept window runs out within MOVE_ON_WITHIN, or that were never
        expanded (saved before entries were kept), are read again for today's window. Claimed
        under a lease like the refresh; the reading runs outside any transaction, and a
        timetable saved again meanwhile keeps what its save stored."""
        async with unit_of_work(db_session):
            now = self.clock.now()
            claimed = []
            for row in await timetable_repo.claim_due_expansions(
                db_session, now, now + MOVE_ON_WITHIN, batch
            ):
                row.expanding_until = now + REFRESH_LEASE
                claimed.append((row.user_id, row.updated_at, row.source, row.ics, row.weekly))
        for user_id, updated_at, source, ics, weekly in claimed:
            window = kept_window(self.clock.now())
            if source == "weekly" and weekly:
                entries = weekly_entries(weekly, window)
            elif ics:
                entries = await self.imports.expanded(user_id, ics, window)
            else:
                entries = []
            async with unit_of_work(db_session):
                current = await timetable_repo.get_timetable(db_session, user_id)
                if current is None or current.updated_at != updated_at:
                    continue  # removed or saved again meanwhile: that save stored its entries
                await self._keep(db_session, current, entries, self.clock.now())
                current.expanding_until = None
        return len(claimed)

    async def refresh_due(
        self, db_session: AsyncSession, *, allow_private: bool, batch: int = 5
    ) -> int:
        """Refresh linked timetables that are due. Claiming moves next_refresh_at forward by a
        lease, so other processes skip them; the fetch itself runs outside any transaction."""
        async with unit_of_work(db_session):
            now = self.clock.now()
            claimed = []
            for row in await timetable_repo.claim_due_refreshes(db_session, now, batch):
                row.next_refresh_at = now + REFRESH_LEASE
                claimed.append(_Claim(row.user_id, row.url or "", row.etag, row.last_modified))
        for claim in claimed:
            await self._refresh_one(db_session, claim, allow_private=allow_private)
        return len(claimed)

    async def _refresh_one(
        self, db_session: AsyncSession, claim: _Claim, *, allow_private: bool
    ) -> None:
        """Fetch with the stored validators (docs/calendars.md, rule 40): a 304 keeps the calendar
        without parsing it again. A failure keeps the calendar too, records the error and retries
        later."""
        fetched: Fetched | None = None
        entries: list[tt.BusyEntry] | None = None
        error: str | None = None
        try:
            fetched = await fetch_calendar(
                claim.url,
                allow_private=allow_private,
                etag=claim.etag,
                last_modified=claim.last_modified,
            )
            entries = None if fetched.not_modified else await self._import(fetched.body)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried later
            fetched, error = None, getattr(exc, "detail", type(exc).__name__)
        async with unit_of_work(db_session):
            row = await timetable_repo.get_timetable(db_session, claim.user_id)
            if row is None or row.source != "url" or row.url != claim.url:
                return  # replaced or removed meanwhile
            now = self.clock.now()
            if fetched is None:
                row.last_error, row.next_refresh_at = error, now + RETRY_AFTER_ERROR
                return
            if fetched.not_modified:
                if (row.etag, row.last_modified) != (claim.etag, claim.last_modified):
                    return  # fetched again meanwhile: "unchanged" was about an older copy
            else:
                row.ics = fetched.body
                await self._keep(db_session, row, entries or [], now)
            row.etag, row.last_modified = fetched.etag, fetched.last_modified
            row.fetched_at, row.last_error = now, None
            row.next_refresh_at = now + REFRESH_EVERY
