"""Teachers' timetables: what the booking service imports to read them and find clashes.

The work lives in four modules, split by use case: ``timetable_ics`` (iCalendar uploads and
feeds, read leniently), ``timetable_check`` (an upload's events read strictly),
``timetable_weekly`` (weekly blocks typed in, limited to term time) and ``clashes`` (busy
entries, busy time and the sessions they clash with).
"""

from calendars.clashes import BusyEntry, Clash, busy_intervals, find_clashes
from calendars.timetable_check import UnreadableEventError, check_events, import_ics
from calendars.timetable_ics import (
    CalendarTooLargeError,
    InvalidCalendarError,
    Limits,
    expand_ics,
    read_ics,
)
from calendars.timetable_weekly import expand_weekly_timetable

__all__ = [
    "BusyEntry",
    "CalendarTooLargeError",
    "Clash",
    "InvalidCalendarError",
    "Limits",
    "UnreadableEventError",
    "busy_intervals",
    "check_events",
    "expand_ics",
    "expand_weekly_timetable",
    "find_clashes",
    "import_ics",
    "read_ics",
]
