"""A timetable typed in as weekly blocks ("Mon 09:00-10:00 Year 9 Maths"), limited to term time.

Each block keeps its local wall-clock time in the school's zone across DST changes, through
``local_to_utc`` (RFC 5545 rules for times in a gap or an overlap). Outside the terms, when terms
are given, the teacher is free: half terms and holidays have no lessons, nor have INSET days.

A two-week timetable marks blocks as week "a" or "b". Which week a day is in counts whole
calendar weeks (Monday to Sunday, in the school's zone) from ``week_a_starts``: even counts are
week A, odd ones week B, before that Monday too. The count runs on through holidays and half
terms without a reset, because that is how most schools label their weeks; a school that
restarts at week A after a holiday saves its timetable again with the new ``week_a_starts``.
"""

from collections.abc import Collection, Sequence
from datetime import date, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from calendars.clashes import BusyEntry
from calendars.intervals import Interval
from calendars.weekly import Weekday, WeeklyRule, local_to_utc

_ONE_DAY = timedelta(days=1)
_ONE_WEEK = 7

Week = Literal["a", "b"]
# (day, start, end, label) for every week, or with a fifth item: "a", "b" or None (every week).
Block = tuple[Weekday, time, time, str] | tuple[Weekday, time, time, str, Week | None]


def week_of(day: date, week_a_starts: date) -> Week:
    """ "a" or "b" for ``day``: whole weeks since the Monday ``week_a_starts``, even is A."""
    if week_a_starts.weekday() != 0:
        raise ValueError(f"week A must start on a Monday, not {week_a_starts}")
    weeks = (day - week_a_starts).days // _ONE_WEEK  # floor division: negative counts work too
    return "a" if weeks % 2 == 0 else "b"


def expand_weekly_timetable(
    blocks: Sequence[Block],
    zone: ZoneInfo,
    terms: Sequence[tuple[date, date]] | None,
    window: Interval,
    *,
    week_a_starts: date | None = None,
    inset_days: Collection[date] = (),
) -> list[BusyEntry]:
    """Every occurrence of ``blocks`` that overlaps ``window``, whole (not clipped), sorted.

    ``terms`` are inclusive ``(start_date, end_date)`` local dates; ``None`` means every week,
    while an empty list means no term at all, so nothing is busy. A block is validated as a
    ``WeeklyRule`` (naive minute-precision times, ending after it starts on the same day). An
    occurrence that has no real time in it (inside the spring gap) is dropped. A block for week
    "a" or "b" needs ``week_a_starts``; ``inset_days`` (local dates) have no lessons at all.
    """
    by_day = _by_day(blocks, week_a_starts)
    for first, last in terms or ():
        if last < first:
            raise ValueError(f"a term must not end before it starts: {first} > {last}")
    inset = frozenset(inset_days)
    entries: list[BusyEntry] = []
    for day in _local_days(zone, window):
        in_term = terms is None or any(first <= day <= last for first, last in terms)
        if not in_term or day in inset:
            continue
        this_week = week_of(day, week_a_starts) if week_a_starts is not None else None
        for rule, label, week in by_day.get(Weekday.of(day), ()):
            if week not in (None, this_week):
                continue
            start = local_to_utc(day, rule.start, zone)
            end = local_to_utc(day, rule.end, zone)
            if start < end and start < window.end and window.start < end:
                entries.append(BusyEntry(start, end, label))
    entries.sort()
    return entries


def _by_day(
    blocks: Sequence[Block], week_a_starts: date | None
) -> dict[Weekday, list[tuple[WeeklyRule, str, Week | None]]]:
    """The blocks validated and grouped by weekday, with the week each is in (None: every)."""
    if week_a_starts is not None:
        week_of(week_a_starts, week_a_starts)  # a Monday, or a ValueError now
    by_day: dict[Weekday, list[tuple[WeeklyRule, str, Week | None]]] = {}
    for weekday, opens, closes, label, *rest in blocks:
        week: Week | None = rest[0] if rest else None
        if week is not None and week_a_starts is None:
            raise ValueError("a block for week A or B needs the date week A starts")
        by_day.setdefault(weekday, []).append((WeeklyRule(weekday, opens, closes), label, week))
    return by_day


def _local_days(zone: ZoneInfo, window: Interval) -> list[date]:
    # A spare local day on each side, as in calendars.weekly: an end pushed forward by a gap can
    # cross midnight. The overlap test above drops whatever lies outside the window.
    first = window.start.astimezone(zone).date() - _ONE_DAY
    last = window.end.astimezone(zone).date() + _ONE_DAY
    return [first + _ONE_DAY * offset for offset in range((last - first).days + 1)]
