"""A timetable typed in as weekly blocks ("Mon 09:00-10:00 Year 9 Maths"), limited to term time.

Each block keeps its local wall-clock time in the school's zone across DST changes, through
``local_to_utc`` (RFC 5545 rules for times in a gap or an overlap). Outside the terms, when terms
are given, the teacher is free: half terms and holidays have no lessons.
"""

from collections.abc import Sequence
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from calendars.clashes import BusyEntry
from calendars.intervals import Interval
from calendars.weekly import Weekday, WeeklyRule, local_to_utc

_ONE_DAY = timedelta(days=1)


def expand_weekly_timetable(
    blocks: Sequence[tuple[Weekday, time, time, str]],
    zone: ZoneInfo,
    terms: Sequence[tuple[date, date]] | None,
    window: Interval,
) -> list[BusyEntry]:
    """Every occurrence of ``blocks`` that overlaps ``window``, whole (not clipped), sorted.

    ``terms`` are inclusive ``(start_date, end_date)`` local dates; ``None`` means every week,
    while an empty list means no term at all, so nothing is busy. A block is validated as a
    ``WeeklyRule`` (naive minute-precision times, ending after it starts on the same day). An
    occurrence that has no real time in it (inside the spring gap) is dropped.
    """
    by_day: dict[Weekday, list[tuple[WeeklyRule, str]]] = {}
    for weekday, opens, closes, label in blocks:
        by_day.setdefault(weekday, []).append((WeeklyRule(weekday, opens, closes), label))
    for first, last in terms or ():
        if last < first:
            raise ValueError(f"a term must not end before it starts: {first} > {last}")
    entries: list[BusyEntry] = []
    for day in _local_days(zone, window):
        if terms is not None and not any(first <= day <= last for first, last in terms):
            continue
        for rule, label in by_day.get(Weekday.of(day), ()):
            start = local_to_utc(day, rule.start, zone)
            end = local_to_utc(day, rule.end, zone)
            if start < end and start < window.end and window.start < end:
                entries.append(BusyEntry(start, end, label))
    entries.sort()
    return entries


def _local_days(zone: ZoneInfo, window: Interval) -> list[date]:
    # A spare local day on each side, as in calendars.weekly: an end pushed forward by a gap can
    # cross midnight. The overlap test above drops whatever lies outside the window.
    first = window.start.astimezone(zone).date() - _ONE_DAY
    last = window.end.astimezone(zone).date() + _ONE_DAY
    return [first + _ONE_DAY * offset for offset in range((last - first).days + 1)]
