"""Checks for every iCalendar object the service emits
(docs/calendars.md, How the rules are tested).

`lint_ics` makes the byte-level checks no parser makes: parsers accept LF endings, unfolded
long lines, folds inside a UTF-8 sequence, unescaped commas and TZIDs without a VTIMEZONE;
Outlook, Google or Thunderbird do not. `checked` adds the lenient and the strict parser.
"""

import re
from dataclasses import replace
from datetime import UTC, datetime

import icalendar
from ical.calendar import Calendar as StrictCalendar
from ical.calendar_stream import IcsCalendarStream

from calendars.ical import SessionEvent

_BARE_CR_OR_LF = re.compile(rb"\r(?!\n)|(?<!\r)\n")
_NAME_PARAMS_VALUE = re.compile(
    r'([A-Za-z0-9-]+)((?:;[^:;"]+=(?:"[^"]*"|[^:;",]*)(?:,(?:"[^"]*"|[^:;",]*))*)*):(.*)'
)
_UNESCAPED_COMMA_OR_SEMICOLON = re.compile(r"(?:^|[^\\])(?:\\\\)*[,;]")
_TZID_PARAM = re.compile(r';TZID=("[^"]*"|[^:;]*)')
_SINGLE_TEXT = frozenset({"SUMMARY", "LOCATION", "DESCRIPTION"})


def lint_ics(data: bytes) -> list[str]:
    """Every problem found, as readable strings; an empty list means the bytes are clean."""
    return _physical_lines(data) + _content_lines(re.sub(rb"\r\n[ \t]", b"", data))


def _physical_lines(data: bytes) -> list[str]:
    problems: list[str] = []
    if _BARE_CR_OR_LF.search(data):
        problems.append("line endings must be CRLF only")
    if not data.endswith(b"\r\n"):
        problems.append("the last line must end with CRLF")
    for number, line in enumerate(data.split(b"\r\n"), start=1):
        if len(line) > 75:
            problems.append(f"line {number} is {len(line)} octets (> 75)")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"line {number} splits or breaks a UTF-8 sequence")
    return problems


def _content_lines(unfolded: bytes) -> list[str]:
    problems: list[str] = []
    used: set[str] = set()
    defined: set[str] = set()
    for number, line in enumerate(unfolded.decode(errors="replace").split("\r\n"), start=1):
        match = _NAME_PARAMS_VALUE.fullmatch(line)
        if match is None:
            if line:
                problems.append(f"content line {number} is not NAME[;PARAM=...]:VALUE")
            continue
        name, params, value = match.group(1).upper(), match.group(2), match.group(3)
        used.update(tzid.strip('"') for tzid in _TZID_PARAM.findall(params))
        if name == "TZID":
            defined.add(value)
        if name in _SINGLE_TEXT and _UNESCAPED_COMMA_OR_SEMICOLON.search(value):
            problems.append(f"content line {number}: unescaped ',' or ';' in {name}")
    problems.extend(f"TZID {tzid!r} has no VTIMEZONE" for tzid in sorted(used - defined))
    return problems


def checked(data: bytes) -> tuple[icalendar.Calendar, StrictCalendar]:
    """``data`` linted clean and read by icalendar (no broken property) and by strict ``ical``."""
    problems = lint_ics(data)
    assert problems == [], problems  # support modules get no assertion rewriting: say why
    lenient = icalendar.Calendar.from_ical(data)
    broken = [(component.name, component.errors) for component in lenient.walk()]
    assert all(not errors for _, errors in broken), broken
    strict = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    return lenient, strict


_SAMPLE = SessionEvent(
    uid="5f0c2a52-8d0e-4c1b-9a7e-2b6f3d9e4a10",
    sequence=0,
    starts_at=datetime(2026, 11, 3, 9, 30, tzinfo=UTC),
    ends_at=datetime(2026, 11, 3, 15, 30, tzinfo=UTC),
    summary="Supporting autistic pupils",
    location="Riverside Hub, 1 Quay Street, Bristol, BS1 4DJ",
    description="Trainer: Sam Patel\nStep-free access\nhttps://book.example.org/s/1",
    cancelled=False,
    last_modified=datetime(2026, 10, 1, 12, 0, tzinfo=UTC),
    url="https://book.example.org/s/1",
)


def sample_event(**changes: object) -> SessionEvent:
    """A valid session; pass fields to change."""
    return replace(_SAMPLE, **changes)  # type: ignore[arg-type]
