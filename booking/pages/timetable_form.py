"""The weekly-teaching-times form: rows of day, start, end, label and week (A, B or every
week), term date pairs, the Monday week A starts and INSET days.

Reading the form only turns what was typed into the API's WeeklyTimetable (or says which field
is wrong); whether the times make a timetable is TimetableService.put_weekly's rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import msgspec

from booking.errors import ValidationError
from booking.pages.filters import DATE_PARTS, read_date
from booking.pages.rendering import FormErrors
from booking.schemas.timetables import Label, TeachingBlock, Term, TimetableRead, WeeklyTimetable
from calendars.weekly import Weekday

ROWS = 5
TERMS = 3
# A saved timetable with more blocks or terms than the empty form has gets a row for each, so
# saving it again from the page keeps them all (the API's own limits).
MAX_ROWS = 200
MAX_TERMS = 50
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
WEEKS = [("", "Every week"), ("a", "Week A"), ("b", "Week B")]
INSET_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$|^(\d{4})-(\d{2})-(\d{2})$")
TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")
SERVICE_FIELD = re.compile(r"^(weekly|terms)\[(\d+)\]\.(\w+)$")
BLOCK_FIELDS = ("day", "start", "end", "label", "week")


@dataclass(slots=True)
class WeeklyForm:
    timetable: WeeklyTimetable | None
    typed: dict[str, Any]
    # Index in the API body -> row number on the page (blank rows are left out of the body).
    block_rows: list[int] = field(default_factory=list)
    term_rows: list[int] = field(default_factory=list)


def empty_typed(rows: int = ROWS, terms: int = TERMS) -> dict[str, Any]:
    typed: dict[str, Any] = {"rows": rows, "terms": terms, "inset_days": ""}
    for row in range(1, rows + 1):
        typed |= {f"{name}-{row}": "" for name in BLOCK_FIELDS}
    for row in range(1, terms + 1):
        for end in ("start", "end"):
            typed[f"term{row}-{end}"] = dict.fromkeys(DATE_PARTS, "")
    typed["week_a"] = dict.fromkeys(DATE_PARTS, "")
    return typed


def saved_typed(summary: TimetableRead) -> dict[str, Any]:
    """A saved weekly timetable as the form shows it, to change and save again."""
    if summary.source != "weekly" or summary.weekly is None:
        return empty_typed()
    typed = empty_typed(max(ROWS, len(summary.weekly)), max(TERMS, len(summary.terms or ())))
    for row, block in enumerate(summary.weekly, start=1):
        typed |= {
            f"day-{row}": block.day.value,
            f"start-{row}": block.start,
            f"end-{row}": block.end,
            f"label-{row}": block.label or "",
            f"week-{row}": block.week or "",
        }
    for row, term in enumerate(summary.terms or (), start=1):
        typed[f"term{row}-start"] = _date_parts(term.start_date)
        typed[f"term{row}-end"] = _date_parts(term.end_date)
    if summary.week_a_starts is not None:
        typed["week_a"] = _date_parts(summary.week_a_starts)
    typed["inset_days"] = ", ".join(_short(d) for d in summary.inset_days or ())
    return typed


def _inset_date(word: str) -> date | None:
    found = INSET_DATE.match(word)
    if found is None:
        return None
    year, month, day = (found[3], found[2], found[1]) if found[1] else found.group(4, 5, 6)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _date_parts(day: date) -> dict[str, str]:
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def _short(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


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

    rows = _count(form, "day-{}", ROWS, MAX_ROWS)
    terms_shown = _count(form, "term{}-start-day", TERMS, MAX_TERMS)
    result = WeeklyForm(timetable=None, typed=empty_typed(rows, terms_shown))
    blocks = read_blocks(text, result, errors)
    if not blocks and not errors:
        errors.add("day-1", "Enter at least one teaching time")
    terms = read_terms(text, result, errors)
    week_a = read_week_a(text, result, errors, two_weeks=any(b.week for b in blocks))
    inset = read_inset_days(text("inset_days"), result, errors)
    if not errors:
        result.timetable = WeeklyTimetable(
            weekly=blocks,
            timezone=HOME_TIMEZONE,
            terms=terms or None,
            weeks="ab" if week_a else None,
            week_a_starts=week_a,
            inset_days=inset or None,
        )
    return result


def _count(form: Any, name: str, shown: int, most: int) -> int:  # noqa: ANN401 - a FormMultiDict
    """How many rows the page sent: the form's rows, more when a saved timetable had more."""
    while shown < most and name.format(shown + 1) in form:
        shown += 1
    return shown


def read_week_a(
    text: Callable[[str], str], result: WeeklyForm, errors: FormErrors, *, two_weeks: bool
) -> date | None:
    """The Monday week A starts: needed once any row is for week A or B."""
    parts = {p: text(f"week_a-{p}") for p in DATE_PARTS}
    result.typed["week_a"] = parts
    day = read_date(parts, "The date week A starts", "week_a", errors)
    if day is None and two_weeks and "week_a" not in errors.messages:
        errors.add("week_a", "Enter the date week A starts, as you teach some times in one week")
    elif day is not None and day.weekday() != 0:
        errors.add("week_a", "The date week A starts must be a Monday")
        return None
    return day


def read_inset_days(value: str, result: WeeklyForm, errors: FormErrors) -> list[date]:
    """ "3/2/2027, 4/2/2027" (or ISO dates), separated by commas, spaces or new lines."""
    result.typed["inset_days"] = value
    days: list[date] = []
    for word in re.split(r"[\s,;]+", value.strip()) if value.strip() else []:
        day = _inset_date(word)
        if day is None:
            errors.add("inset_days", "INSET days must be real dates, like 3/2/2027")
            return []
        days.append(day)
    return sorted(set(days))


def read_blocks(
    text: Callable[[str], str], result: WeeklyForm, errors: FormErrors
) -> list[TeachingBlock]:
    blocks: list[TeachingBlock] = []
    for row in range(1, result.typed["rows"] + 1):
        values = {name: text(f"{name}-{row}") for name in BLOCK_FIELDS}
        result.typed |= {f"{name}-{row}": value for name, value in values.items()}
        week: Literal["a", "b"] | None = (
            "a" if values["week"] == "a" else "b" if values["week"] == "b" else None
        )
        if not any(v for name, v in values.items() if name != "week"):
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
            blocks.append(TeachingBlock(day=day, start=start, end=end, label=label, week=week))
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
    for row in range(1, result.typed["terms"] + 1):
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
        if item.get("field") == "week_a_starts":
            errors.add("week_a", "The date week A starts must be a Monday")
            continue
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
