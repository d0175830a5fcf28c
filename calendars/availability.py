"""When a trainer or venue can be booked: weekly rules, minus exceptions, minus what is busy.

Rules are local wall-clock times in ``zone``; exceptions (holidays, closures) and busy periods
(existing sessions, imported timetables) are UTC intervals.
"""

from collections.abc import Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

from calendars.intervals import Interval, covers, subtract
from calendars.weekly import WeeklyRule, expand_weekly


def available_intervals(
    rules: Iterable[WeeklyRule],
    zone: ZoneInfo,
    exceptions: Iterable[Interval],
    window: Interval,
) -> list[Interval]:
    """The weekly rules expanded over ``window``, minus the exceptions; sorted and merged."""
    return subtract(expand_weekly(rules, zone, window), exceptions)


def is_available(
    rules: Iterable[WeeklyRule],
    zone: ZoneInfo,
    exceptions: Iterable[Interval],
    candidate: Interval,
) -> bool:
    """True when every instant of ``candidate`` is inside the rules and outside the exceptions.

    Touching rules count as one stretch, so a session may run across the boundary between
    Monday 09:00-12:00 and Monday 12:00-17:00.
    """
    return covers(available_intervals(rules, zone, exceptions, candidate), candidate)


# The signature is the agreed contract (rules, zone, exceptions, busy, window, min_duration).
def free_slots(  # noqa: PLR0917
    rules: Iterable[WeeklyRule],
    zone: ZoneInfo,
    exceptions: Iterable[Interval],
    busy: Iterable[Interval],
    window: Interval,
    min_duration: timedelta,
) -> list[Interval]:
    """The maximal free windows inside ``window`` that last at least ``min_duration``.

    Free means available by the rules, outside every exception and outside every busy period.
    Each slot is as long as it can be within ``window``: a slot is never split where two rules
    touch, and a gap shorter than ``min_duration`` is left out rather than shown.
    """
    free = subtract(available_intervals(rules, zone, exceptions, window), busy)
    return [slot for slot in free if slot.duration >= min_duration]


def nearest_windows(free: Iterable[Interval], wanted: Interval, count: int) -> list[Interval]:
    """Up to ``count`` windows as long as ``wanted``, one inside each free window that fits it,
    nearest to ``wanted`` first (ties: the earlier). In each free window the candidate keeps
    ``wanted``'s time of day on that window's (UTC) date when it fits, else the nearest fit:
    offering "the same time on Thursday" reads better than "Thursday at midnight"."""
    length = wanted.duration
    found: list[Interval] = []
    for slot in free:
        if slot.duration < length:
            continue
        same_time = wanted.start + timedelta(days=(slot.start.date() - wanted.start.date()).days)
        start = min(max(same_time, slot.start), slot.end - length)
        found.append(Interval(start, start + length))
    found.sort(key=lambda i: (abs(i.start - wanted.start), i.start))
    return found[:count]
