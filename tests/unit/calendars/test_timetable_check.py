"""An uploaded calendar is read strictly (docs/calendars.md, rule 31): an event that cannot be read
is refused with its UID and line; a calendar without events is an empty timetable."""

from pathlib import Path

import pytest

from calendars.timetable_check import UnreadableEventError, check_events
from calendars.timetable_ics import InvalidCalendarError

SAMPLES = Path(__file__).parent / "samples"
HEADER = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Test//EN\n"


def calendar(*events: str, header: str = "") -> bytes:
    """Line 1 is BEGIN:VCALENDAR; each event starts with BEGIN:VEVENT, UID, DTSTAMP."""
    body = "".join(
        f"BEGIN:VEVENT\n{event.strip()}\nDTSTAMP:20260301T120000Z\nEND:VEVENT\n" for event in events
    )
    return f"{HEADER}{header}{body}END:VCALENDAR\n".replace("\n", "\r\n").encode()


GOOD = "UID:good\nDTSTART:20260316T090000Z\nDTEND:20260316T100000Z"


def refusal(data: bytes) -> UnreadableEventError:
    with pytest.raises(UnreadableEventError) as caught:
        check_events(data)
    return caught.value


def test_the_only_event_with_a_date_that_is_not_a_date_is_named_by_uid_and_line():
    error = refusal(calendar("UID:lesson-1@school.example\nDTSTART:notadate"))
    assert (error.uid, error.line) == ("lesson-1@school.example", 6)
    assert str(error) == (
        "event lesson-1@school.example (line 6): DTSTART is not a date or date-time"
    )


def test_the_first_unreadable_event_is_named_not_a_later_one():
    error = refusal(
        calendar(
            GOOD,
            "UID:second\nDTSTART:20260317T090000Z\nDTEND:20260317T080000Z",
            "UID:third\nDTSTART:nope",
        )
    )
    # HEADER (3 lines), the first event (6 lines), then BEGIN, UID, DTSTART and DTEND.
    assert (error.uid, error.line) == ("second", 13)
    assert "DTEND is before DTSTART" in str(error)


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        ("UID:a\nSUMMARY:no start", "it has no DTSTART"),
        ("UID:a\nDTSTART;VALUE=DATE:2026033", "DTSTART is not a date or date-time"),
        ("UID:a\nDTSTART:20260316T090000Z\nDTSTART:20260317T090000Z", "not a date"),
        ("UID:a\nDTSTART:20260316T090000Z\nDTEND:soon", "DTEND is not a date or date-time"),
        (
            "UID:a\nDTSTART;TZID=Nowhere/Special:20260330T090000\nDTEND:20260330T100000Z",
            "TZID=Nowhere/Special is not a known time zone and no VTIMEZONE defines it",
        ),
        (
            "UID:a\nDTSTART:20260330T090000Z\nDTEND;TZID=Mars/Olympus:20260330T100000",
            "TZID=Mars/Olympus",
        ),
        ("UID:a\nDTSTART;VALUE=DATE:20260317\nDTEND;VALUE=DATE:20260316", "before DTSTART"),
        (
            "UID:a\nDTSTART:20260302T090000Z\nRRULE:FREQ=WEEKLY;INTERVAL=0",
            "the RRULE's INTERVAL is not a positive whole number",
        ),
        ("UID:a\nDTSTART:20260302T090000Z\nRRULE:FREQ=WEEKLY;INTERVAL=-2", "INTERVAL"),
    ],
)
def test_unreadable_events_are_refused(event, problem):
    assert problem in str(refusal(calendar(event)))


def test_an_interval_of_zero_is_named_by_the_rrule_line():
    error = refusal(
        calendar("UID:every-0\nDTSTART:20260302T090000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO;INTERVAL=0")
    )
    # HEADER (3 lines), then BEGIN, UID, DTSTART and RRULE.
    assert (error.uid, error.line) == ("every-0", 7)


def test_an_event_without_a_uid_is_named_by_its_line():
    error = refusal(calendar("DTSTART:notadate"))
    assert (error.uid, error.line) == (None, 5)
    assert str(error).startswith("an event without a UID (line 5)")


def test_a_folded_line_counts_from_where_it_starts():
    data = calendar("UID:folded\nSUMMARY:A long\n  summary\nDTSTART:x")
    assert refusal(data).line == 8


@pytest.mark.parametrize(
    "event",
    [
        GOOD,
        "UID:a\nDTSTART:20260316T090000Z",  # no end: takes no time
        "UID:a\nDTSTART:20260316T090000Z\nDURATION:PT1H",
        "UID:a\nDTSTART:20260316T090000Z\nDTEND:20260316T090000Z",  # zero length
        (  # a Windows zone name icalendar maps
            "UID:a\nDTSTART;TZID=GMT Standard Time:20260330T090000\n"
            "DTEND;TZID=GMT Standard Time:20260330T100000"
        ),
        "UID:a\nDTSTART;VALUE=DATE:20260316",
        "UID:a\nDTSTART:20260302T090000Z\nRRULE:FREQ=WEEKLY;INTERVAL=2",
        "UID:a\nDTSTART:20260302T090000Z\nRRULE:FREQ=WEEKLY",  # INTERVAL absent: 1
    ],
)
def test_readable_events_pass(event):
    assert check_events(calendar(event))


def test_a_tzid_defined_by_its_vtimezone_is_readable():
    data = (SAMPLES / "weekly_outlook_windows_tzid.ics").read_bytes()
    assert check_events(data.replace(b"GMT Standard Time", b"School Local Time"))


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.ics")), ids=lambda p: p.name)
def test_every_sample_calendar_passes(path):
    assert check_events(path.read_bytes())


def test_a_calendar_with_no_events_is_an_empty_timetable():
    assert check_events(calendar())
    assert check_events((SAMPLES / "no_events.ics").read_bytes())


def test_what_is_not_a_calendar_is_still_invalid_but_names_no_event():
    with pytest.raises(InvalidCalendarError) as caught:
        check_events(b"hello")
    assert not isinstance(caught.value, UnreadableEventError)
