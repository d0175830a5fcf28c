"""Weekly wall-clock rules ("Mondays 09:00-17:00") in an IANA zone, expanded to UTC intervals.

A rule keeps its local wall-clock time across DST changes: 09:00 London is 08:00Z in summer and
09:00Z in winter. Local times that do not exist or exist twice follow RFC 5545 section 3.3.5.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from calendars.intervals import Interval, intersect

_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_ONE_DAY = timedelta(days=1)


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """The ``date.weekday()`` number: Monday is 0, Sunday is 6."""
        return _WEEKDAYS.index(self)

    @classmethod
    def of(cls, day: date) -> "Weekday":
        """The weekday on which ``day`` falls."""
        return _WEEKDAYS[day.weekday()]


# Declaration order of the members is Monday first, the same order as date.weekday().
_WEEKDAYS: tuple[Weekday, ...] = tuple(Weekday)


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """Every ``day``, from ``start`` to ``end`` local wall-clock time, never across midnight."""

    day: Weekday
    start: time
    end: time

    def __post_init__(self) -> None:
        for bound in (self.start, self.end):
            if bound.tzinfo is not None:
                raise ValueError("a weekly rule uses naive wall-clock times; the zone is separate")
            if bound.second or bound.microsecond:
                raise ValueError("a weekly rule has minute precision")
        if self.end <= self.start:
            raise ValueError("a weekly rule must end after it starts on the same day")


def parse_hhmm(text: str) -> time:
    """Parse strict 24-hour ``HH:MM`` from 00:00 to 23:59; anything else is a ValueError.

    "24:00", "9:00" and "09:00:00" are rejected so that one time has one spelling.
    """
    match = _HHMM.fullmatch(text)
    if match is None:
        raise ValueError(f"expected a time as HH:MM between 00:00 and 23:59, got {text!r}")
    return time(int(match[1]), int(match[2]))


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in ``zone``, by RFC 5545 rules.

    A time in the spring gap takes the offset from before the gap (01:30 on 2026-03-29 in London
    is 01:30Z, shown as 02:30 BST); a time in the autumn overlap is its first occurrence
    (01:30 on 2026-10-25 in London is 00:30Z, BST). zoneinfo's ``fold=0`` means exactly this.
    """
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    return local.astimezone(UTC)


def expand_weekly(rules: Iterable[WeeklyRule], zone: ZoneInfo, window: Interval) -> list[Interval]:
    """Every occurrence of ``rules`` in ``zone`` that falls in ``window``, clipped and merged.

    Each occurrence is converted with ``local_to_utc``, so it keeps its local wall-clock time
    and its real duration follows the zone (00:30-02:30 lasts 3 h on an autumn change day in
    London and 1 h on a spring one). An occurrence that is empty in real time is dropped.
    """
    by_day: dict[Weekday, list[WeeklyRule]] = {}
    for rule in rules:
        by_day.setdefault(rule.day, []).append(rule)
    occurrences: list[Interval] = []
    for day in _local_days(zone, window):
        for rule in by_day.get(Weekday.of(day), ()):
            occurrence = _occurrence(rule, day, zone)
            if occurrence is not None:
                occurrences.append(occurrence)
    return intersect(occurrences, [window])


def _local_days(zone: ZoneInfo, window: Interval) -> list[date]:
    # One spare local day on each side: converting the window's edges to local dates is exact,
    # but an end time in a gap is pushed forward by the gap (RFC 5545), and a gap that straddles
    # midnight would push it into the next local day. The final clip drops whatever is outside.
    first = window.start.astimezone(zone).date() - _ONE_DAY
    last = window.end.astimezone(zone).date() + _ONE_DAY
    return [first + _ONE_DAY * offset for offset in range((last - first).days + 1)]


def _occurrence(rule: WeeklyRule, day: date, zone: ZoneInfo) -> Interval | None:
    start = local_to_utc(day, rule.start, zone)
    end = local_to_utc(day, rule.end, zone)
    # Inside a spring gap, e.g. 01:30-02:00 in London, both ends map to the same or inverted
    # instants: the occurrence has no real time in it.
    if end <= start:
        return None
    return Interval(start, end)
