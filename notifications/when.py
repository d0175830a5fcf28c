"""Times as a teacher reads them in mail: the venue's wall clock, with the zone named.

A mail is read days later and far from the server, so every time says which clock it is on
("9:30am (BST)"). Converting each instant on its own (never adding hours to a local time) keeps
dates and offsets right across a clock change (docs/calendars.md, Time and clock changes). Day and
month names are spelled here rather than by strftime, whose %A and %B follow the process locale.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_SHORT = 3  # "Tue 12 Jan 2027" for subjects, where space is short


def wall_clock(moment: datetime, zone: str) -> datetime:
    """``moment`` on the clocks of ``zone``; raises ValueError for a naive time or unknown zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times in mail must be timezone-aware")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {zone!r}") from error
    return moment.astimezone(UTC).astimezone(tz)


def clock(local: datetime) -> str:
    """``9:30am``, ``4:00pm``, ``12:00pm`` (the house style writes minutes even on the hour)."""
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"  # noqa: PLR2004 - noon


def long_date(local: datetime) -> str:
    """``Tuesday 12 January 2027`` (GOV.UK style: no comma, no ordinal)."""
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}"


def short_date(local: datetime) -> str:
    """``Tue 12 Jan 2027``."""
    day, month = _DAYS[local.weekday()][:_SHORT], _MONTHS[local.month - 1][:_SHORT]
    return f"{day} {local.day} {month} {local.year}"


def zone_name(local: datetime) -> str:
    """``GMT`` or ``BST`` for London; the UTC offset where a zone has no abbreviation."""
    return local.tzname() or local.strftime("UTC%z")


def span(starts_at: datetime, ends_at: datetime, zone: str) -> str:
    """``Tuesday 12 January 2027, 9:30am to 4:00pm (GMT)``.

    Each end is named on its own when the zone's name changes in between (a clock change),
    and carries its own date when the session runs past midnight.
    """
    start, end = wall_clock(starts_at, zone), wall_clock(ends_at, zone)
    if start.date() != end.date():
        return f"{moment(starts_at, zone)} to {moment(ends_at, zone)}"
    if zone_name(start) != zone_name(end):
        return (
            f"{long_date(start)}, {clock(start)} ({zone_name(start)})"
            f" to {clock(end)} ({zone_name(end)})"
        )
    return f"{long_date(start)}, {clock(start)} to {clock(end)} ({zone_name(start)})"


def moment(instant: datetime, zone: str) -> str:
    """``2:30am (BST) on Sunday 28 March 2027``."""
    local = wall_clock(instant, zone)
    return f"{clock(local)} ({zone_name(local)}) on {long_date(local)}"


def short_moment(instant: datetime, zone: str) -> str:
    """``2:30am (BST) Sun 28 Mar 2027``, for subjects."""
    local = wall_clock(instant, zone)
    return f"{clock(local)} ({zone_name(local)}) {short_date(local)}"


def from_now(now: datetime, instant: datetime, zone: str) -> str:
    """``today at 9:30am``, ``tomorrow at 9:30am`` or ``in 7 days``, counted in calendar days.

    Counted on the venue's calendar rather than in 24-hour steps, so "tomorrow" is right even
    when the mail goes out late or across a clock change.
    """
    local = wall_clock(instant, zone)
    days = (local.date() - wall_clock(now, zone).date()).days
    if days <= 0:
        return f"today at {clock(local)}"
    if days == 1:
        return f"tomorrow at {clock(local)}"
    return f"in {days} days"
