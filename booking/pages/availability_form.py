"""The weekly availability editor's form: read, checked in words, turned into AvailabilityWrite."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import msgspec

from booking.pages.filters import read_date
from booking.pages.rendering import FormErrors
from booking.schemas.trainers import AvailabilityRead, AvailabilityWrite
from calendars.weekly import Weekday

DAY_NAMES = {
    Weekday.MON: "Monday",
    Weekday.TUE: "Tuesday",
    Weekday.WED: "Wednesday",
    Weekday.THU: "Thursday",
    Weekday.FRI: "Friday",
    Weekday.SAT: "Saturday",
    Weekday.SUN: "Sunday",
}
HHMM = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])")
OFF_FIELDS = ("off-day", "off-month", "off-year", "off_start", "off_end", "reason")
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def text(form: Any, name: str) -> str:  # noqa: ANN401 - a FormMultiDict
    value = form.get(name, "")
    return value.strip()[:200] if isinstance(value, str) else ""


def read_time(typed: str, label: str, field_id: str, errors: FormErrors) -> str | None:
    """ "9:30" or "09:30" as "09:30"; empty is no time."""
    if not typed:
        return None
    match = HHMM.fullmatch(typed)
    if match is None:
        errors.add(field_id, f"{label} must be a time in the 24-hour clock, like 09:30")
        return None
    return f"{int(match[1]):02d}:{match[2]}"


# Time ranges a day has in the editor: a morning and an afternoon, say (more through the API).
RANGES = 2
# The form fields of each range: "mon-start", "mon-end"; then "mon-start-2", "mon-end-2".
SUFFIXES = ("", "-2")


def weekly_rows(current: AvailabilityRead) -> dict[str, dict[str, str]]:
    """The editor's fields per day: the day's first two blocks, in start order."""
    rows = {d.value: _empty_row() for d in Weekday}
    counts = dict.fromkeys(rows, 0)
    for block in sorted(current.weekly, key=lambda b: b.start):
        day = block.day.value
        if counts[day] < RANGES:
            suffix = SUFFIXES[counts[day]]
            rows[day] |= {f"start{suffix}": block.start, f"end{suffix}": block.end}
        counts[day] += 1
    return rows


def _empty_row() -> dict[str, str]:
    return {f"{p}{suffix}": "" for suffix in SUFFIXES for p in ("start", "end")}


def later_blocks(current: AvailabilityRead) -> list[dict[str, str]]:
    """Blocks beyond a day's first two (the API allows any number; the editor shows two): kept
    as they are when the rows are saved, and listed under the form."""
    counts: dict[str, int] = {}
    later = []
    for block in sorted(current.weekly, key=lambda b: b.start):
        day = block.day.value
        if counts.get(day, 0) >= RANGES:
            later.append({"day": day, "start": block.start, "end": block.end})
        counts[day] = counts.get(day, 0) + 1
    return later


def exception_lines(current: AvailabilityRead) -> list[dict[str, Any]]:
    return [
        {"starts_at": e.starts_at.isoformat(), "ends_at": e.ends_at.isoformat(), "reason": e.reason}
        for e in current.exceptions
    ]


def read_weekly(form: Any, errors: FormErrors) -> tuple[str, list[dict[str, str]]]:  # noqa: ANN401
    zone = text(form, "timezone")
    if zone not in ZONES:
        errors.add("timezone", "Select a time zone")
    blocks = []
    for day, name in DAY_NAMES.items():
        ranges = [
            _read_range(form, f"{day}", suffix, f"{name}{label}", errors)
            for suffix, label in zip(SUFFIXES, ("", " second"), strict=True)
        ]
        first, second = ranges
        if first and second and second["start"] < first["end"] and first["start"] < second["end"]:
            errors.add(f"{day}-start-2", f"{name} second times must not overlap the first")
        blocks += [dict(r, day=day.value) for r in ranges if r]
    return zone, blocks


def _read_range(
    form: Any,  # noqa: ANN401 - a FormMultiDict
    day: str,
    suffix: str,
    name: str,
    errors: FormErrors,
) -> dict[str, str] | None:
    start_id, end_id = f"{day}-start{suffix}", f"{day}-end{suffix}"
    start = read_time(text(form, start_id), f"{name} start", start_id, errors)
    end = read_time(text(form, end_id), f"{name} end", end_id, errors)
    if (start is None) != (end is None) and start_id not in errors.messages:
        missing_id, missing, article = (
            (end_id, "end", "an") if end is None else (start_id, "start", "a")
        )
        errors.add(missing_id, f"Enter {article} {missing} time for {name}, or leave both empty")
    elif start and end:
        if end <= start:
            errors.add(end_id, f"{name} end time must be after the start time")
        return {"start": start, "end": end}
    return None


def typed_weekly(form: Any) -> dict[str, dict[str, str]]:  # noqa: ANN401
    return {
        d.value: {
            f"{p}{suffix}": text(form, f"{d}-{p}{suffix}")
            for suffix in SUFFIXES
            for p in ("start", "end")
        }
        for d in Weekday
    }


def read_exception(form: Any, zone_name: str, errors: FormErrors) -> dict[str, Any] | None:  # noqa: ANN401
    """A day off, or part of one, in the availability's zone; stored in UTC."""
    parts = {p: text(form, f"off-{p}") for p in ("day", "month", "year")}
    day = read_date(parts, "Date", "off", errors)
    if day is None and "off" not in errors.messages:
        errors.add("off", "Enter the date you are not available")
    start = read_time(text(form, "off_start"), "Start time", "off_start", errors) or "00:00"
    end = read_time(text(form, "off_end"), "End time", "off_end", errors)
    if errors or day is None:
        return None
    zone = ZoneInfo(zone_name)
    starts_at = datetime.combine(day, time.fromisoformat(start), tzinfo=zone)
    if end is None:
        ends_at = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    else:
        ends_at = datetime.combine(day, time.fromisoformat(end), tzinfo=zone)
    if ends_at <= starts_at:
        errors.add("off_end", "End time must be after the start time")
        return None
    reason = text(form, "reason")
    return {
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(),
        "reason": reason or None,
    }


def availability_write(
    zone: str, weekly: list[dict[str, str]], exceptions: list[dict[str, Any]]
) -> AvailabilityWrite:
    """Through the API's own schema, so the page accepts exactly what PUT accepts."""
    return msgspec.convert(
        {"timezone": zone, "weekly": weekly, "exceptions": exceptions}, AvailabilityWrite
    )
