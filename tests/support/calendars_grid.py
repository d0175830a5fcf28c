"""A brute-force model for the calendar tests: time as a set of whole minutes after T0.

Small integer-minute intervals are easy to reason about as sets, so the interval algebra and
the availability functions are checked against plain set operations on these minutes.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from calendars.intervals import Interval

# A Monday, so that minute 0 of the grid is Monday 00:00 UTC.
T0 = datetime(2026, 3, 2, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def at(minute: int) -> datetime:
    return T0 + minute * MINUTE


def span(start: int, end: int) -> Interval:
    return Interval(at(start), at(end))


def minute_of(moment: datetime) -> int:
    return (moment - T0) // MINUTE


def minutes(intervals: Iterable[Interval]) -> set[int]:
    """Every grid minute that starts inside one of the intervals."""
    found: set[int] = set()
    for interval in intervals:
        found.update(range(minute_of(interval.start), minute_of(interval.end)))
    return found


def grid_intervals(limit: int = 120) -> st.SearchStrategy[Interval]:
    """Intervals with whole-minute bounds in [0, limit]; small, so that they often meet."""
    return st.integers(0, limit - 1).flatmap(
        lambda start: st.integers(start + 1, limit).map(lambda end: span(start, end))
    )
