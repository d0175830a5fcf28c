"""A teacher's timetable exported as iCalendar, expanded into busy entries in UTC.

Parsing is lenient (``icalendar``: a bad property lands in ``component.errors``) and expansion is
done by ``recurring_ical_events`` (RRULE, RDATE, EXDATE, RECURRENCE-ID), one series at a time so
that a series neither library can read is skipped instead of failing the whole upload.

What the exports need:

- Google writes UTC times plus ``X-WR-TIMEZONE``; ``x_wr_timezone.to_standard`` turns them into
  local times so a weekly 09:00 lesson stays 09:00 after the clocks change.
- Outlook names zones the Windows way (``GMT Standard Time``) and embeds a VTIMEZONE, which
  icalendar reads; without one it maps the Windows name to the IANA zone.
- Floating times (no TZID, or a TZID nobody defines) and all-day dates are read in
  Europe/London; an all-day event is the whole local day, 23 or 25 hours on change days.

Hostile input is bounded: 1 MiB of text, series whose recurrence could not be expanded in
reasonable time are skipped (see ``_expansion_cost``), the whole expansion has a time budget and
at most ``MAX_OCCURRENCES`` occurrences. Only ``InvalidCalendarError`` leaves this module.
"""

import time as clock
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import recurring_ical_events
import x_wr_timezone
from icalendar import Calendar, Component
from icalendar.prop import vDDDTypes

from calendars.clashes import BusyEntry
from calendars.intervals import Interval

MAX_BYTES = 1024 * 1024
MAX_OCCURRENCES = 20_000
# dateutil generates every occurrence from DTSTART on, so a series starting long before the window
# costs time even if none of it falls inside. At about a microsecond each, 200,000 (a plain daily
# rule from the 1750s, a weekly BYDAY rule from the 1550s) takes well under a second.
MAX_SERIES_CANDIDATES = 200_000
# The CPU budget (this thread's own time, so a busy machine is not held against a calendar)
# for expanding one calendar; real timetables need milliseconds.
EXPANSION_SECONDS = 3.0

_LOCAL = ZoneInfo("Europe/London")
# recurring_ical_events compares floating and all-day values by wall clock; asking it for two
# more days on each side and filtering in UTC afterwards loses nothing at any offset.
_QUERY_PADDING = timedelta(days=2)
# The shortest period of each supported frequency, in days.
_PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 28, "YEARLY": 365}
# The most days a period can expand to when BY parts select days inside it.
_DAYS_PER_PERIOD = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}
_DAY_PARTS = {"BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYSETPOS", "BYEASTER"}
# Filters under which a daily rule may never match again; dateutil then walks every day up to the
# year 9999 (seconds of work) before it gives up. No timetable repeats daily by month day.
_DAILY_STARVING_PARTS = {"BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYSETPOS", "BYEASTER"}


class InvalidCalendarError(ValueError):
    """The upload is not a usable iCalendar timetable; the message is safe to show the teacher."""


class CalendarTooLargeError(InvalidCalendarError):
    """Readable, but more occurrences than we keep, or more work than the budget allows."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one calendar may give and cost; the defaults are the module's constants, read
    when asked (so the caller decides, in whatever process the reading then runs in)."""

    occurrences: int
    cpu_seconds: float

    @classmethod
    def current(cls) -> "Limits":
        return cls(MAX_OCCURRENCES, EXPANSION_SECONDS)


def read_ics(data: bytes) -> Calendar:
    """Parse one VCALENDAR leniently; it must be UTF-8 and at most 1 MiB. One without events is
    an empty timetable (docs/calendars.md, rule 31); ``timetable_check`` reads the events
    strictly."""
    if len(data) > MAX_BYTES:
        raise InvalidCalendarError("the calendar is larger than 1 MiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidCalendarError("the calendar is not UTF-8 text") from error
    try:
        parsed = Calendar.from_ical(text)
    # icalendar raises ValueError for most bad input but other types for some; none may escape.
    except Exception as error:
        raise InvalidCalendarError("the file is not an iCalendar calendar") from error
    if not isinstance(parsed, Calendar) or parsed.name != "VCALENDAR":
        raise InvalidCalendarError("the file does not contain a VCALENDAR")
    return parsed


def expand_ics(data: bytes, window: Interval, limits: Limits | None = None) -> list[BusyEntry]:
    """expand_calendar of the calendar ``read_ics`` reads leniently."""
    return expand_calendar(read_ics(data), window, limits)


def expand_calendar(
    calendar: Calendar, window: Interval, limits: Limits | None = None
) -> list[BusyEntry]:
    """Every occurrence in the calendar that overlaps ``window``, whole (not clipped), sorted.

    Cancelled events and cancelled instances are left out, as are events that take no time
    (a DTSTART date-time without DTEND or DURATION) and series skipped as unreadable or too
    costly to expand. More occurrences in the window than the limits allow, or a calendar that
    cannot be expanded within their CPU seconds, is a ``CalendarTooLargeError``.
    """
    limits = limits or Limits.current()
    zone = _x_wr_timezone(calendar)
    deadline = clock.thread_time() + limits.cpu_seconds
    entries: list[BusyEntry] = []
    for series in _series(calendar, window):
        if clock.thread_time() > deadline:
            raise CalendarTooLargeError("the calendar is too complex to expand")
        for component in _occurrences(series, zone, window):
            entry = _busy_entry(component, window)
            if entry is not None:
                entries.append(entry)
        if len(entries) > limits.occurrences:
            raise CalendarTooLargeError(
                f"the calendar has more than {limits.occurrences} events in the period asked for"
            )
    entries.sort()
    return entries


def _x_wr_timezone(calendar: Calendar) -> ZoneInfo | None:
    """The zone Google's X-WR-TIMEZONE names; an unknown or malformed name is ignored."""
    name = calendar.get("X-WR-TIMEZONE")
    if name is None:
        return None
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a directory
        return None


def _series(calendar: Calendar, window: Interval) -> list[list[Component]]:
    """The top-level VEVENTs grouped by UID (one recurring series each), skipping costly ones."""
    groups: dict[str, list[Component]] = {}
    for index, component in enumerate(calendar.subcomponents):
        if component.name != "VEVENT" or _start_of(component) is None:
            # recurring_ical_events fails with a KeyError on an event without DTSTART.
            continue
        uid = component.get("UID")
        # Events without a (single) UID are each their own series, as the library treats them.
        key = f"uid:{uid}" if isinstance(uid, str) else f"index:{index}"
        groups.setdefault(key, []).append(component)
    return [group for group in groups.values() if _affordable(group, window)]


def _start_of(component: Component) -> date | None:
    return date_value(component.get("DTSTART"))


def date_value(prop: object) -> date | None:
    """The date or date-time of a DTSTART/DTEND; None when absent, broken or of another type."""
    # A broken property is a vBroken, whose ``.dt`` raises; a repeated one is a list.
    value = prop.dt if isinstance(prop, vDDDTypes) else None
    return value if isinstance(value, date) else None


def _affordable(series: Sequence[Component], window: Interval) -> bool:
    cost = 0
    for component in series:
        rules = component.get("RRULE")
        if rules is None:
            continue
        start = _start_of(component)
        if start is None:
            return False
        for rule in rules if isinstance(rules, list) else [rules]:
            rule_cost = _expansion_cost(rule, start, window.end)
            if rule_cost is None:
                return False
            cost += rule_cost
    return cost <= MAX_SERIES_CANDIDATES


def _expansion_cost(rule: object, start: date, horizon: datetime) -> int | None:
    """How many occurrences dateutil generates from ``start`` to ``horizon``, at most; None when
    the rule is not one a timetable uses and could take unbounded time.

    Only daily or slower rules with a positive INTERVAL are expanded: sub-daily ones
    (FREQ=SECONDLY from 1900 is billions of occurrences) have no place in a timetable.
    """
    if not isinstance(rule, dict):  # a vBroken RRULE; recurring_ical_events skips it as well
        return None
    parts: dict[str, object] = {str(key).upper(): value for key, value in rule.items()}
    frequency = str(_first(parts.get("FREQ"))).upper()
    if frequency not in _PERIOD_DAYS:
        return None
    if frequency == "DAILY" and _DAILY_STARVING_PARTS & parts.keys():
        return None
    interval = rule_interval(parts)
    if interval is None:
        return None
    count = _first(parts.get("COUNT"))
    days = max(0, (horizon.date() - _as_date(start)).days)
    step = _PERIOD_DAYS[frequency] * interval
    periods = days // step + 1
    per_period = _DAYS_PER_PERIOD[frequency] if _DAY_PARTS & parts.keys() else 1
    for name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        values = parts.get(name)
        per_period *= len(values) if isinstance(values, list) and values else 1
    generated = periods * per_period
    if isinstance(count, int) and count > 0:
        generated = min(generated, count)
    return periods + generated


def rule_interval(rule: Mapping[str, object]) -> int | None:
    """A recurrence rule's INTERVAL (1 when absent); None unless it is a positive integer, as
    RFC 5545 wants: at 0 dateutil repeats DTSTART for ever, holding every repeat in a list
    (gigabytes within a minute)."""
    interval = _first(rule.get("INTERVAL", 1))
    return interval if isinstance(interval, int) and interval >= 1 else None


def _first(values: object) -> object:
    if isinstance(values, list):
        return values[0] if values else None
    return values


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _occurrences(
    series: Sequence[Component], zone: ZoneInfo | None, window: Interval
) -> list[Component]:
    """The occurrence components of one series near ``window``; [] when it cannot be read."""
    calendar = Calendar()
    for component in series:
        calendar.add_component(component)
    try:
        if zone is not None:
            calendar = x_wr_timezone.to_standard(calendar, timezone=zone)
        query = recurring_ical_events.of(calendar, skip_bad_series=True)
        found: list[Component] = query.between(
            window.start - _QUERY_PADDING, window.end + _QUERY_PADDING
        )
    # skip_bad_series only covers the library's own errors; malformed values also surface as
    # KeyError, TypeError, ValueError or OverflowError from icalendar and dateutil. The series
    # is skipped in the same way.
    except Exception:  # noqa: BLE001
        return []
    return found


def _busy_entry(component: Component, window: Interval) -> BusyEntry | None:
    if _text(component.get("STATUS")).upper() == "CANCELLED":
        return None
    start = date_value(component.get("DTSTART"))
    end = date_value(component.get("DTEND"))
    if start is None or end is None:
        return None
    try:
        start_utc, end_utc = to_utc(start), to_utc(end)
    except OverflowError:
        return None
    # Zero-length events (RFC 5545: a DTSTART date-time alone) take no time and clash with
    # nothing; they are left out rather than shown as a moment.
    if end_utc <= start_utc or not (start_utc < window.end and window.start < end_utc):
        return None
    return BusyEntry(
        start_utc,
        end_utc,
        " ".join(_text(component.get("SUMMARY")).split()),
        all_day=not isinstance(start, datetime),
        transparent=_text(component.get("TRANSP")).upper() == "TRANSPARENT",
    )


def to_utc(value: date) -> datetime:
    """A DTSTART/DTEND value as a UTC instant; dates are local midnight, floating is London."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), _LOCAL).astimezone(UTC)
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=_LOCAL).astimezone(UTC)
    return value.astimezone(UTC)


def _text(value: object) -> str:
    """A text property as one string: the first of repeated ones, "" when absent."""
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None else str(value)
