"""Whether a session needs cover: it overlaps the school day
(docs/contract.md, Booking for staff: 08:30 to 15:30 venue-local time on a weekday). Pure: the
caller gives the venue's zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

SCHOOL_DAY_START = time(8, 30)
SCHOOL_DAY_END = time(15, 30)
SATURDAY = 5


def during_school_day(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> bool:
    """True when [starts_at, ends_at) overlaps 08:30-15:30 local time of some Monday to Friday
    it touches. Each day's bounds are local wall-clock times turned into instants on that day,
    so the answer follows the clocks across a change (a 08:00-09:00 UTC session is 09:00 local
    in summer and overlaps; 08:00 local in winter and does not)."""
    if ends_at <= starts_at:
        return False
    day = starts_at.astimezone(zone).date()
    last = ends_at.astimezone(zone).date()
    while day <= last:
        if day.weekday() < SATURDAY:
            opens = datetime.combine(day, SCHOOL_DAY_START, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, SCHOOL_DAY_END, tzinfo=zone).astimezone(UTC)
            if starts_at < closes and opens < ends_at:
                return True
        day += timedelta(days=1)
    return False
