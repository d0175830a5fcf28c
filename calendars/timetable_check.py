"""The strict reading of a calendar a teacher gives us (docs/calendars.md, rule 31).

Expansion (``timetable_ics``) is lenient so that a calendar stored earlier keeps working; an
upload or a linked calendar is checked here first, so that an event we could not read is
refused with its UID and line instead of quietly dropped (a timetable whose only event had
``DTSTART:notadate`` used to be kept as an empty one, and every clash with it missed). An event
cannot be read when its DTSTART is missing or not a date or date-time, when DTSTART or DTEND
names a TZID that is neither a known zone nor defined by a VTIMEZONE, when DTEND is before
DTSTART, or when an RRULE's INTERVAL is not a positive integer (expansion would skip the whole
series). A calendar with no events at all is an empty timetable, which is fine.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from icalendar import Calendar, Component

from calendars.clashes import BusyEntry
from calendars.intervals import Interval
from calendars.timetable_ics import (
    InvalidCalendarError,
    Limits,
    date_value,
    expand_calendar,
    read_ics,
    rule_interval,
    to_utc,
)

# icalendar splits content lines on CRLF or LF and unfolds a line that starts with a space or
# a tab into the one before (RFC 5545, 3.1); lines here are counted the same way, from 1.
_NEWLINE = re.compile(r"\r?\n")


class UnreadableEventError(InvalidCalendarError):
    """An event of the calendar cannot be read; names the event's UID and the line."""

    def __init__(self, message: str, *, uid: str | None, line: int | None) -> None:
        where = f" (line {line})" if line is not None else ""
        name = f"event {uid}" if uid else "an event without a UID"
        super().__init__(f"{name}{where}: {message}")
        self.reason = message
        self.uid = uid
        self.line = line

    def __reduce__(self) -> tuple[object, tuple[str]]:
        # Raised in the calendar-reading process and pickled back: rebuild it from its parts.
        return partial(UnreadableEventError, uid=self.uid, line=self.line), (self.reason,)


@dataclass
class _Lines:
    """Where one top-level VEVENT and its first DTSTART, DTEND and RRULE are in the text."""

    begin: int
    properties: dict[str, int] = field(default_factory=dict)


def check_events(data: bytes) -> Calendar:
    """The calendar ``read_ics`` reads, once every event in it can be read; the first one that
    cannot be is an ``UnreadableEventError``."""
    calendar = read_ics(data)
    events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    lines = _event_lines(data.decode("utf-8-sig"))
    if len(lines) != len(events):
        lines = []  # the text is too odd to match up; the UID alone still names the event
    for index, event in enumerate(events):
        problem = _problem(event)
        if problem is not None:
            name, message = problem
            where = lines[index] if lines else None
            line = where.properties.get(name, where.begin) if where else None
            uid = event.get("UID")
            raise UnreadableEventError(
                message, uid=str(uid) if isinstance(uid, str) else None, line=line
            )
    return calendar


def import_ics(data: bytes, window: Interval, limits: Limits | None = None) -> list[BusyEntry]:
    """A calendar a teacher gives us, read once: every event readable (check_events), then its
    occurrences in ``window`` (expand_calendar, with its limits)."""
    return expand_calendar(check_events(data), window, limits)


Problem = tuple[str, str]  # the property, and what is wrong with it


def _problem(event: Component) -> Problem | None:
    """The first thing that makes the event unreadable, or None."""
    start, problem = _read(event, "DTSTART")
    if problem is not None or start is None:
        return problem
    end, problem = _read(event, "DTEND")  # absent: DURATION or nothing, read as always
    if problem is None and end is not None and to_utc(end) < to_utc(start):
        problem = ("DTEND", "DTEND is before DTSTART")
    return problem or _bad_interval(event)


def _bad_interval(event: Component) -> Problem | None:
    rules = event.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules]:
        if isinstance(rule, dict) and rule_interval(rule) is None:
            return "RRULE", "the RRULE's INTERVAL is not a positive whole number"
    return None


def _read(event: Component, name: str) -> tuple[date | None, Problem | None]:
    prop = event.get(name)
    if prop is None:
        return None, (name, f"it has no {name}") if name == "DTSTART" else None
    value = date_value(prop)
    if value is None:
        return None, (name, f"{name} is not a date or date-time")
    return value, _unknown_zone(name, prop, value)


def _unknown_zone(name: str, prop: object, value: date) -> Problem | None:
    """icalendar leaves a time naive when its TZID is neither a zone it knows (IANA or
    Windows) nor one a VTIMEZONE of the calendar defines."""
    params = getattr(prop, "params", {})
    tzid = params.get("TZID") if hasattr(params, "get") else None
    if tzid and isinstance(value, datetime) and value.tzinfo is None:
        return name, f"TZID={tzid} is not a known time zone and no VTIMEZONE defines it"
    return None


def _event_lines(text: str) -> list[_Lines]:
    found: list[_Lines] = []
    stack: list[str] = []
    for number, line in _content_lines(text):
        name, _, value = line.partition(":")
        name = name.partition(";")[0].strip().upper()
        if name == "BEGIN":
            stack.append(value.strip().upper())
            if stack == ["VCALENDAR", "VEVENT"]:
                found.append(_Lines(begin=number))
        elif name == "END":
            if stack:
                stack.pop()
        elif stack == ["VCALENDAR", "VEVENT"] and name in {"DTSTART", "DTEND", "RRULE"}:
            found[-1].properties.setdefault(name, number)
    return found


def _content_lines(text: str) -> list[tuple[int, str]]:
    """(the number of its first physical line, the unfolded line) for every content line."""
    lines: list[tuple[int, str]] = []
    for number, physical in enumerate(_NEWLINE.split(text), start=1):
        if physical[:1] in {" ", "\t"} and lines:
            first, so_far = lines[-1]
            lines[-1] = (first, so_far + physical[1:])
        elif physical:
            lines.append((number, physical))
    return lines
