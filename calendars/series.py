"""A weekly series of sessions, repeated on the venue's wall clock.

"Every Tuesday 16:00-18:00" means 16:00 local time each week, whatever the UTC offset: across
the October and March changes the UTC instants move by an hour so the local time stays put.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from calendars.intervals import Interval
from calendars.weekly import local_to_utc


def weekly_series(first: Interval, zone: ZoneInfo, every_weeks: int, count: int) -> list[Interval]:
    """`count` occurrences, the first being `first` itself, each `every_weeks` weeks after the
    one before at the same local times in `zone` (a time in a spring gap reads as
    calendars.weekly.local_to_utc does)."""
    start, end = first.start.astimezone(zone), first.end.astimezone(zone)
    found = [first]
    for k in range(1, count):
        shift = timedelta(weeks=every_weeks * k)
        found.append(
            Interval(
                local_to_utc(start.date() + shift, start.time(), zone),
                local_to_utc(end.date() + shift, end.time(), zone),
            )
        )
    return found
