from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from booking.schemas.common import HHMM, PRINTABLE_PATTERN, Input, Output, TimezoneName
from calendars.weekly import Weekday

# One line, possibly empty: the single-line characters without the "not blank" look-ahead.
Label = Annotated[
    str, msgspec.Meta(max_length=200, pattern=r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$(?!\n)")
]


class TeachingBlock(Input):
    day: Weekday
    start: HHMM
    end: HHMM
    label: Label | None = None
    # Only in a two-week timetable (`weeks: "ab"`); none means every week.
    week: Literal["a", "b"] | None = None


class Term(Input):
    start_date: date
    end_date: date


class WeeklyTimetable(Input):
    weekly: Annotated[list[TeachingBlock], msgspec.Meta(max_length=200)]
    timezone: TimezoneName = "Europe/London"
    terms: Annotated[list[Term], msgspec.Meta(max_length=50)] | None = None
    # A two-week timetable: blocks marked week "a" or "b", counted from the Monday of a week A.
    weeks: Literal["ab"] | None = None
    week_a_starts: date | None = None
    # Days inside term with no lessons (INSET/training days): the teacher is free.
    inset_days: Annotated[list[date], msgspec.Meta(max_length=366)] | None = None


class LinkedTimetable(Input):
    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=PRINTABLE_PATTERN)]


class TimetableRead(Output):
    source: Literal["ics", "url", "weekly"] | None
    entries: int
    busy_entries: int
    url: str | None
    fetched_at: datetime | None
    last_error: str | None
    updated_at: datetime | None
    # A weekly timetable as it was given (null for the other sources), so a client can show and
    # edit it: the same fields as the PUT body.
    weekly: list[TeachingBlock] | None = None
    timezone: str | None = None
    terms: list[Term] | None = None
    weeks: Literal["ab"] | None = None
    week_a_starts: date | None = None
    inset_days: list[date] | None = None


class BusyItem(Output):
    starts_at: datetime
    ends_at: datetime
    summary: str
    source: Literal["timetable", "booking"]


class BusyList(Output):
    items: list[BusyItem]
