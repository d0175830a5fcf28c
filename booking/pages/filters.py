"""The find-training filters: read from the query string, checked, typed back when wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from booking.models import NeedArea
from booking.pages.formatting import HOME_ZONE
from booking.pages.rendering import FormErrors

DATE_PARTS = ("day", "month", "year")
MIN_YEAR, MAX_YEAR = 2000, 2100
NEED_AREAS = frozenset(a.value for a in NeedArea)


@dataclass(slots=True)
class Filters:
    need_area: NeedArea | None = None
    hub_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    has_places: bool = False
    fits_my_timetable: bool = False
    cursor: str | None = None
    # What was typed, to show again: date parts stay as typed even when they are not a date.
    typed: dict[str, Any] = field(default_factory=dict)


def read_filters(query: Any, errors: FormErrors) -> Filters:  # noqa: ANN401 - a MultiDict
    def text(name: str) -> str:
        value = query.get(name, "")
        return value.strip()[:200] if isinstance(value, str) else ""

    filters = Filters(
        has_places=text("has_places") == "yes",
        fits_my_timetable=text("fits_my_timetable") == "yes",
        cursor=text("cursor") or None,
        hub_id=text("hub") or None,
    )
    if text("need_area") in NEED_AREAS:
        filters.need_area = NeedArea(text("need_area"))
    filters.typed = {
        "need_area": filters.need_area.value if filters.need_area else "",
        "hub": filters.hub_id or "",
        "has_places": filters.has_places,
        "fits_my_timetable": filters.fits_my_timetable,
    }
    for name, label in (("from", "Start date"), ("to", "End date")):
        parts = {p: text(f"{name}-{p}") for p in DATE_PARTS}
        filters.typed[name] = parts
        day = read_date(parts, label, name, errors)
        if day is not None:
            # Whole days in UK time: "to 20 March" includes every session that day.
            midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(HOME_ZONE))
            if name == "from":
                filters.start = midnight
            else:
                filters.end = datetime.combine(
                    day + timedelta(days=1), time(0), tzinfo=ZoneInfo(HOME_ZONE)
                )
    if filters.start and filters.end and filters.end <= filters.start:
        errors.add("to", "End date must be the same as or after the start date")
    return filters


def read_date(parts: dict[str, str], label: str, field_id: str, errors: FormErrors) -> date | None:
    """GOV.UK date input rules: all empty is no date; say which part is missing or wrong."""
    if not any(parts.values()):
        return None
    missing = [p for p in DATE_PARTS if not parts[p]]
    if missing:
        errors.add(field_id, f"{label} must include a {' and '.join(missing)}")
        return None
    try:
        day = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        errors.add(field_id, f"{label} must be a real date")
        return None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        errors.add(field_id, f"{label} must be between {MIN_YEAR} and {MAX_YEAR}")
        return None
    return day
