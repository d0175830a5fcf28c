import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from calendars.intervals import Interval
from calendars.timetable_ics import MAX_BYTES, InvalidCalendarError, expand_ics, read_ics

SAMPLES = Path(__file__).parent / "samples"
VALID = (SAMPLES / "weekly_exceptions.ics").read_bytes()
# Every valid sample, so that mutations reach VTIMEZONEs, X-WR-TIMEZONE, all-day dates, overrides.
VALID_SAMPLES = [
    path.read_bytes() for path in sorted(SAMPLES.glob("*.ics")) if path.name != "no_events.ics"
]
WINDOW = Interval(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"hello", id="not-icalendar"),
        pytest.param(VALID.replace(b"Year 10", b"Ann\xe9e 10"), id="latin-1-not-utf-8"),
        pytest.param(b"\xff\xfe\x00\x80garbage\xc3", id="binary-garbage"),
        pytest.param(
            b"BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260316T090000Z\r\nEND:VEVENT\r\n",
            id="vevent-without-vcalendar",
        ),
        pytest.param(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", id="unbalanced"),
        pytest.param(VALID + VALID, id="two-calendars"),
    ],
)
def test_invalid_calendar_is_rejected(data):
    with pytest.raises(InvalidCalendarError):
        read_ics(data)


def test_calendar_over_one_mebibyte_is_rejected_before_parsing():
    padded = VALID.replace(b"END:VCALENDAR", b"X-PAD:" + b"a" * MAX_BYTES + b"\r\nEND:VCALENDAR")
    with pytest.raises(InvalidCalendarError, match="1 MiB"):
        read_ics(padded)


def test_calendar_of_exactly_one_mebibyte_is_read():
    filler = MAX_BYTES - len(VALID) - len(b"X-PAD:\r\n")
    padded = VALID.replace(b"END:VCALENDAR", b"X-PAD:" + b"a" * filler + b"\r\nEND:VCALENDAR")
    assert len(padded) == MAX_BYTES
    assert isinstance(read_ics(padded), Calendar)


def test_a_calendar_without_events_is_read_as_an_empty_one():
    """docs/calendars.md, rule 31: a calendar with no events at all is valid (an empty
    timetable)."""
    calendar = read_ics((SAMPLES / "no_events.ics").read_bytes())
    assert [c.name for c in calendar.subcomponents if c.name == "VEVENT"] == []


def test_valid_calendar_is_read():
    calendar = read_ics(VALID)
    assert [component.name for component in calendar.subcomponents].count("VEVENT") == 4


def test_byte_order_mark_and_bare_line_feeds_are_accepted():
    data = b"\xef\xbb\xbf" + VALID.replace(b"\r\n", b"\n")
    assert len(read_ics(data).subcomponents) == len(read_ics(VALID).subcomponents)


def test_expand_rejects_what_read_rejects():
    with pytest.raises(InvalidCalendarError):
        expand_ics(b"hello", WINDOW)


# --- fuzzing: only InvalidCalendarError may escape ---------------------------------------------

# Fragments that steer mutations into the parsers' and the expander's interesting corners.
TOKENS = [
    b"\r\n",
    b"\r\n ",
    b":",
    b";",
    b",",
    b"=",
    b'"',
    b"\\",
    b"BEGIN:VEVENT\r\n",
    b"END:VEVENT\r\n",
    b"BEGIN:VCALENDAR\r\n",
    b"END:VCALENDAR\r\n",
    b"DTSTART:",
    b"DTEND;VALUE=DATE:",
    b"DURATION:P1W",
    b";TZID=Europe/London",
    b";TZID=GMT Standard Time",
    b"X-WR-TIMEZONE:Europe/Paris\r\n",
    b"X-WR-TIMEZONE:Europe\r\n",
    b";TZID=Europe",
    b"RRULE:FREQ=SECONDLY\r\n",
    b"RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\r\n",
    b"RRULE:FREQ=WEEKLY;COUNT=3;UNTIL=20260401T000000Z\r\n",
    b"RDATE;VALUE=PERIOD:20260316T090000Z/PT1H\r\n",
    b"EXDATE:20260316T090000Z\r\n",
    b"RECURRENCE-ID;RANGE=THISANDFUTURE:20260330T080000Z\r\n",
    b"STATUS:CANCELLED\r\n",
    b"19000101",
    b"99991231T235959Z",
    b"00010101",
    b"T250000",
    b"-",
    b"0",
    b"9",
]


PROPERTIES = [token for token in TOKENS if token[:1].isalpha() and b":" in token]
# Line-level edits keep most mutants parseable so that they reach the expander; byte-level ones
# (rarer) exercise the decoder and the content-line parser.
EDITS = ["drop-line", "dup-line", "token-line", "value", "token", "token", "cut", "bytes", "flip"]


@st.composite
def mutated_samples(draw: st.DrawFn) -> bytes:
    lines = draw(st.sampled_from(VALID_SAMPLES)).split(b"\r\n")
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(lines) - 1))
        line = lines[at]
        edit = draw(st.sampled_from(EDITS))
        if edit == "drop-line":
            del lines[at]
        elif edit == "dup-line":
            lines[at:at] = lines[at : at + draw(st.integers(1, 12))]
        elif edit == "token-line":
            lines.insert(at, draw(st.sampled_from(PROPERTIES)).rstrip(b"\r\n"))
        elif edit == "value" and b":" in line and not line.startswith((b"BEGIN", b"END")):
            name = line.split(b":", 1)[0]
            lines[at] = name + b":" + draw(st.sampled_from(TOKENS)).rstrip(b"\r\n")
        else:
            lines[at] = edit_inside(draw, edit, line)
        if not lines:
            break
    return b"\r\n".join(lines)


def edit_inside(draw: st.DrawFn, edit: str, line: bytes) -> bytes:
    where = draw(st.integers(0, len(line)))
    if edit == "token":
        return line[:where] + draw(st.sampled_from(TOKENS)) + line[where:]
    if edit == "cut":
        return line[:where] + line[where + draw(st.integers(1, 20)) :]
    if edit == "bytes":
        return line[:where] + draw(st.binary(min_size=1, max_size=6)) + line[where:]
    if edit == "flip" and where < len(line):
        return line[:where] + bytes([draw(st.integers(0, 255))]) + line[where + 1 :]
    return line


def read_or_reject(data: bytes) -> None:
    with contextlib.suppress(InvalidCalendarError):
        read_ics(data)


def expand_or_reject(data: bytes) -> None:
    try:
        entries = expand_ics(data, WINDOW)
    except InvalidCalendarError:
        return
    assert entries == sorted(entries)


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=400))
@example(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
def test_read_ics_on_random_bytes_only_rejects_with_invalid_calendar(data):
    read_or_reject(data)


@FUZZ
@given(st.binary(max_size=400))
def test_expand_ics_on_random_bytes_only_rejects_with_invalid_calendar(data):
    expand_or_reject(data)


@FUZZ
@given(mutated_samples())
def test_read_ics_on_mutated_sample_only_rejects_with_invalid_calendar(data):
    read_or_reject(data)


@FUZZ
@given(mutated_samples())
def test_expand_ics_on_mutated_sample_only_rejects_with_invalid_calendar(data):
    expand_or_reject(data)
