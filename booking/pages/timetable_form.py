"""The weekly-teaching-times form: rows of day, start, end and label, and term date pairs.

Reading the form only turns what was typed into the API's WeeklyTimetable (or says which field
is wrong); whether the times make a timetable is TimetableService.put_weekly's rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from booking.errors import ValidationError
from booking.pages.filters import DATE_PARTS, read_date
from booking.pages.rendering import FormErrors
from booking.schemas.timetables import Label, TeachingBlock, Term, WeeklyTimetable
from calendars.weekly import Weekday

ROWS = 5
TERMS = 3
HOME_TIMEZONE = "Europe/London"
DAYS = [
    ("", "Choose a day"),
    (Weekday.MON.value, "Monday"),
    (Weekday.TUE.value, "Tuesday"),
    (Weekday.WED.value, "Wednesday"),
    (Weekday.THU.value, "Thursday"),
    (Weekday.FRI.value, "Friday"),
    (Weekday.SAT.value, "Saturday"),
    (Weekday.SUN.value, "Sunday"),
]
WEEKDAYS = frozenset(d.value for d in Weekday)
TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")
SERVICE_FIELD = re.compile(r"^(weekly|terms)\[(\d+)\]\.(\w+)$")


@dataclass(slots=True)
class WeeklyForm:
    timetable: WeeklyTimetable | None
    typed: dict[str, Any]
    # Index in the API body -> row number on the page (blank rows are left out of the body).
    block_rows: list[int] = field(default_factory=list)
    term_rows: list[int] = field(default_factory=list)


def empty_typed() -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for row in range(1, ROWS + 1):
        typed |= {f"{name}-{row}": "" for name in ("day", "start", "end", "label")}
    for row in range(1, TERMS + 1):
        for end in ("start", "end"):
            typed[f"term{row}-{end}"] = dict.fromkeys(DATE_PARTS, "")
    return typed


def read_time(value: str, label: str, field_id: str, errors: FormErrors) -> str | None:
    """ "9:00", "09:00" or "9.00" -> "09:00"."""
    if not value:
        errors.add(field_id, f"Enter a {label.lower()}")
        return None
    found = TIME.match(value)
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:  # noqa: PLR2004 - a clock
        errors.add(field_id, f"{label} must be a time, like 08:45")
        return None
    return f"{int(found[1]):02d}:{found[2]}"


def read_weekly(form: Any, errors: FormErrors) -> WeeklyForm:  # noqa: ANN401 - a FormMultiDict
    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip()[:200] if isinstance(value, str) else ""

    result = WeeklyForm(timetable=None, typed=empty_typed())
    blocks = read_blocks(text, result, errors)
    if not blocks and not errors:
        errors.add("day-1", "Enter at least one teaching time")
    terms = read_terms(text, result, errors)
    if not errors:
        result.timetable = WeeklyTimetable(
            weekly=blocks, timezone=HOME_TIMEZONE, terms=terms or None
        )
    return result


def read_blocks(
    text: Callable[[str], str], result: WeeklyForm, errors: FormErrors
) -> list[TeachingBlock]:
    blocks: list[TeachingBlock] = []
    for row in range(1, ROWS + 1):
        values = {name: text(f"{name}-{row}") for name in ("day", "start", "end", "label")}
        result.typed |= {f"{name}-{row}": value for name, value in values.items()}
        if not any(values.values()):
            continue
        if values["day"] not in WEEKDAYS:
            errors.add(f"day-{row}", "Choose the day of the week")
        start = read_time(values["start"], "Start time", f"start-{row}", errors)
        end = read_time(values["end"], "End time", f"end-{row}", errors)
        label = values["label"] or None
        if label is not None and not _is(Label, label):
            errors.add(
                f"label-{row}", "The label must be text on one line, without special characters"
            )
        if start and end and values["day"] in WEEKDAYS and f"label-{row}" not in errors.messages:
            day = Weekday(values["day"])
            blocks.append(TeachingBlock(day=day, start=start, end=end, label=label))
            result.block_rows.append(row)
    return blocks


def _is(kind: object, value: str) -> bool:
    """Whether the API would take `value` as `kind`: a TeachingBlock built here is not checked."""
    try:
        msgspec.convert(value, kind)
    except msgspec.ValidationError:
        return False
    return True


def read_terms(text: Callable[[str], str], result: WeeklyForm, errors: FormErrors) -> list[Term]:
    terms: list[Term] = []
    for row in range(1, TERMS + 1):
        days = {}
        for end, label in (("start", "Term start date"), ("end", "Term end date")):
            parts = {p: text(f"term{row}-{end}-{p}") for p in DATE_PARTS}
            result.typed[f"term{row}-{end}"] = parts
            days[end] = read_date(parts, label, f"term{row}-{end}", errors)
        if days["start"] and days["end"]:
            terms.append(Term(start_date=days["start"], end_date=days["end"]))
            result.term_rows.append(row)
        elif days["start"] or days["end"]:
            missing = "end" if days["start"] else "start"
            errors.add(f"term{row}-{missing}", f"Enter the term {missing} date")
    return terms


def service_errors(exc: ValidationError, weekly: WeeklyForm, errors: FormErrors) -> None:
    """TimetableService's field errors ("weekly[0].end") placed by the field on the page."""
    for item in exc.errors:
        found = SERVICE_FIELD.match(item.get("field", ""))
        if found is None:
            errors.add("day-1", exc.detail)
            continue
        kind, index, name = found[1], int(found[2]), found[3]
        if kind == "weekly" and index < len(weekly.block_rows):
            row = weekly.block_rows[index]
            errors.add(f"{name}-{row}", f"{name.capitalize()} time must be after the start time")
        elif kind == "terms" and index < len(weekly.term_rows):
            row = weekly.term_rows[index]
            errors.add(
                f"term{row}-end", "Term end date must be the same as or after the start date"
            )
    if not errors:
        errors.add("day-1", exc.detail)
