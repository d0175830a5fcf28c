"""iMIP invites: RFC 5545 syntax, RFC 5546 REQUEST/CANCEL rules, text, folding and DST."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from calendars.ical import PRODID, Person, SessionEvent, invite
from tests.support.ics_lint import checked, lint_ics, sample_event

LONDON = ZoneInfo("Europe/London")
ORGANIZER = Person("session-agent@book.example.org", "Book SEND training")
TEACHER = Person("ann.jones@school.example.org", "Ann Jones")
STAMP = datetime(2026, 10, 15, 8, 30, 5, tzinfo=UTC)
TRICKY_TEXT = "Cwrs, Ysgol; Gymraeg \\ ŵŷ\nاردو سیکھنا 🙂🧩\n\n  spaces  "  # noqa: RUF001 - Urdu is the point


def request(event: SessionEvent | None = None, **kwargs) -> bytes:
    return invite(
        event or sample_event(),
        method=kwargs.pop("method", "REQUEST"),
        organizer=kwargs.pop("organizer", ORGANIZER),
        attendee=kwargs.pop("attendee", TEACHER),
        stamp=kwargs.pop("stamp", STAMP),
    )


def only_event(data: bytes) -> Event:
    lenient, _ = checked(data)
    [event] = lenient.events
    return event


def unfolded(data: bytes) -> bytes:
    return data.replace(b"\r\n ", b"")


def test_request_carries_every_property_rfc_5546_requires():
    lenient, strict = checked(request())
    assert lenient["VERSION"] == "2.0"
    assert lenient["PRODID"] == PRODID
    assert lenient["METHOD"] == "REQUEST"
    [event] = lenient.events
    for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "ORGANIZER", "ATTENDEE", "SUMMARY"):
        assert name in event, name
    assert "DURATION" not in event
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event["TRANSP"] == "OPAQUE"
    assert strict.method == "REQUEST"
    [strict_event] = strict.events
    assert strict_event.uid == sample_event().uid


def test_request_writes_the_session_fields():
    event = only_event(request())
    session = sample_event()
    assert str(event["UID"]) == session.uid
    assert event.start == session.starts_at
    assert event.end == session.ends_at
    assert event["SUMMARY"] == session.summary
    assert event["LOCATION"] == session.location
    assert event["DESCRIPTION"] == session.description
    assert event["URL"] == session.url
    assert event.last_modified == session.last_modified


def test_every_time_is_written_in_utc_so_no_vtimezone_is_needed():
    data = unfolded(request(sample_event(starts_at=datetime(2026, 6, 1, 9, tzinfo=LONDON))))
    assert b"DTSTART:20260601T080000Z\r\n" in data
    assert b"DTEND:20261103T153000Z\r\n" in data
    assert b"LAST-MODIFIED:20261001T120000Z\r\n" in data
    assert b"TZID" not in data
    assert b"VTIMEZONE" not in data


def test_dtstamp_is_the_given_stamp_in_utc():
    stamp = datetime(2026, 7, 1, 10, 15, 30, tzinfo=LONDON)
    assert b"DTSTAMP:20260701T091530Z\r\n" in request(stamp=stamp)


def test_the_attendee_is_an_individual_required_participant_asked_to_reply():
    attendee = only_event(request())["ATTENDEE"]
    assert str(attendee) == "mailto:ann.jones@school.example.org"
    assert dict(attendee.params) == {
        "CN": "Ann Jones",
        "CUTYPE": "INDIVIDUAL",
        "ROLE": "REQ-PARTICIPANT",
        "PARTSTAT": "NEEDS-ACTION",
        "RSVP": "TRUE",
    }


def test_the_organizer_is_a_mailto_with_a_common_name():
    organizer = only_event(request())["ORGANIZER"]
    assert str(organizer) == "mailto:session-agent@book.example.org"
    assert dict(organizer.params) == {"CN": "Book SEND training"}


def test_names_with_commas_quotes_and_accents_survive_as_parameters():
    attendee = Person("sian@school.example.org", 'Siân "Sian" Jones, SENCo; Year 2')
    _, strict = checked(request(attendee=attendee))
    [event] = strict.events
    assert [a.common_name for a in event.attendees] == [attendee.name]


def test_an_empty_name_writes_no_common_name():
    nameless = Person(TEACHER.email, "")
    event = only_event(request(attendee=nameless, organizer=Person(ORGANIZER.email, "")))
    assert "CN" not in event["ATTENDEE"].params
    assert "CN" not in event["ORGANIZER"].params


@pytest.mark.parametrize("address", [TEACHER.email, TEACHER.email.upper()])
def test_the_organizer_must_not_be_the_attendee(address):
    with pytest.raises(ValueError, match="organizer must not be the attendee"):
        request(organizer=Person(address, "Ann as organizer"))


def test_exactly_one_vcalendar_one_vevent_and_one_uid():
    data = unfolded(request())
    assert data.count(b"BEGIN:VCALENDAR") == 1
    assert data.count(b"BEGIN:VEVENT") == 1
    assert data.count(b"\r\nUID:") == 1


def test_the_same_request_gives_the_same_bytes():
    assert request() == request()


def test_a_zero_sequence_is_still_written():
    assert b"\r\nSEQUENCE:0\r\n" in request(sample_event(sequence=0))


def test_no_url_is_written_when_there_is_none():
    assert b"\r\nURL" not in request(sample_event(url=None))


def test_cancel_keeps_the_uid_and_carries_the_bumped_sequence_and_cancelled_status():
    first = only_event(request(sample_event(sequence=2)))
    cancelled = sample_event(sequence=3, cancelled=True)
    lenient, strict = checked(request(cancelled, method="CANCEL"))
    assert lenient["METHOD"] == "CANCEL"
    [event] = lenient.events
    assert event["UID"] == first["UID"]
    assert event["SEQUENCE"] == 3 > first["SEQUENCE"]
    assert event["STATUS"] == "CANCELLED"
    assert "ORGANIZER" in event
    assert "ATTENDEE" in event
    assert strict.method == "CANCEL"


def test_cancel_is_cancelled_even_when_only_the_booking_ends():
    event = only_event(request(sample_event(sequence=1), method="CANCEL"))
    assert event["STATUS"] == "CANCELLED"


def test_a_cancelled_session_cannot_be_sent_as_a_request():
    with pytest.raises(ValueError, match="method CANCEL"):
        request(sample_event(cancelled=True))


@pytest.mark.parametrize("field", ["summary", "description"])
def test_special_characters_round_trip_exactly(field):
    data = request(sample_event(**{field: TRICKY_TEXT}))
    lenient, strict = checked(data)
    assert lenient.events[0][field.upper()] == TRICKY_TEXT
    assert getattr(strict.events[0], field) == TRICKY_TEXT


def test_location_special_characters_round_trip_exactly():
    location = "Canolfan Caerdydd; Stryd y Frenhines\\Heol, CF10 1AA — اردو 🙂"
    lenient, strict = checked(request(sample_event(location=location)))
    assert lenient.events[0]["LOCATION"] == location
    assert strict.events[0].location == location


def test_address_lines_in_the_location_are_joined_with_commas():
    location = "Riverside Hub\n1 Quay Street\r\nFloor 2\n\n  Bristol  \nBS1 4DJ\n"
    event = only_event(request(sample_event(location=location)))
    assert event["LOCATION"] == "Riverside Hub, 1 Quay Street, Floor 2, Bristol, BS1 4DJ"


def test_carriage_returns_in_a_description_become_newlines():
    event = only_event(request(sample_event(description="one\r\ntwo\rthree")))
    assert event["DESCRIPTION"] == "one\ntwo\nthree"


def test_control_characters_that_icalendar_cannot_carry_are_dropped():
    event = only_event(request(sample_event(summary="bell\x07 null\x00 tab\tok\x85")))
    assert event["SUMMARY"] == "bell null tab\tok"


@pytest.mark.parametrize("char", ["x", "é", "ŵ", "ے", "€", "🙂", "🧩"])
@pytest.mark.parametrize("offset", range(4))
def test_long_descriptions_fold_at_75_octets_without_splitting_characters(char, offset):
    description = "a" * offset + char * 300 + "\n" + "b, " * 40
    data = request(sample_event(description=description))
    assert lint_ics(data) == []
    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    assert data.count(b"\r\n ") > 5
    lenient, strict = checked(data)
    assert lenient.events[0]["DESCRIPTION"] == description
    assert strict.events[0].description == description


def london(day: int, month: int, hour: int, minute: int, fold: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON, fold=fold)


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "dtstart", "dtend"),
    [
        # Spring change day: BST starts 01:00Z; 09:00-12:00 local is 08:00-11:00Z.
        (london(29, 3, 9, 0), london(29, 3, 12, 0), b"20260329T080000Z", b"20260329T110000Z"),
        # Autumn change day: GMT again from 01:00Z; 09:00-12:00 local is 09:00-12:00Z.
        (london(25, 10, 9, 0), london(25, 10, 12, 0), b"20261025T090000Z", b"20261025T120000Z"),
        # 00:30 local on the autumn change day is still BST: the day before in UTC.
        (london(25, 10, 0, 30), london(25, 10, 2, 30), b"20261024T233000Z", b"20261025T023000Z"),
        # 00:30 local on the spring change day is GMT; 02:30 local is already BST.
        (london(29, 3, 0, 30), london(29, 3, 2, 30), b"20260329T003000Z", b"20260329T013000Z"),
        # The repeated autumn hour: fold=1 is the second (GMT) 01:30.
        (london(25, 10, 1, 30, 1), london(25, 10, 3, 0), b"20261025T013000Z", b"20261025T030000Z"),
    ],
)
def test_change_day_sessions_are_written_at_the_right_utc_instants(
    starts_at, ends_at, dtstart, dtend
):
    data = request(sample_event(starts_at=starts_at, ends_at=ends_at))
    assert b"\r\nDTSTART:" + dtstart + b"\r\n" in data
    assert b"\r\nDTEND:" + dtend + b"\r\n" in data
    _, strict = checked(data)
    # Compared in UTC: PEP 495 makes a fold=1 time unequal to every time in another zone.
    assert strict.events[0].dtstart == starts_at.astimezone(UTC)
    assert strict.events[0].dtend == ends_at.astimezone(UTC)


@pytest.mark.parametrize(("day", "month", "hours"), [(25, 10, 3), (29, 3, 1)])
def test_a_session_across_the_change_lasts_its_real_time(day, month, hours):
    # 00:30-02:30 local: Python's same-zone subtraction says 2 h; the calendar must not.
    session = sample_event(starts_at=london(day, month, 0, 30), ends_at=london(day, month, 2, 30))
    event = only_event(request(session))
    assert event.end - event.start == timedelta(hours=hours)
    assert event.duration == timedelta(hours=hours)


@pytest.mark.parametrize(
    "changes",
    [
        {"starts_at": datetime(2026, 11, 3, 9)},  # noqa: DTZ001 - the naive time is the point
        {"last_modified": datetime(2026, 11, 3, 9)},  # noqa: DTZ001
        {"ends_at": datetime(2026, 11, 3, 9, 30, tzinfo=UTC)},
        {"sequence": -1},
        {"uid": ""},
        {"uid": "x" * 255},
        {"uid": "has space"},
        {"uid": "line\nbreak"},
        {"url": "https://example.org/a b"},
    ],
)
def test_an_impossible_session_is_refused(changes):
    with pytest.raises(ValueError):  # noqa: PT011 - several messages, one rule: refuse
        sample_event(**changes)


def test_a_naive_stamp_is_refused():
    with pytest.raises(ValueError, match="stamp must be timezone-aware"):
        request(stamp=datetime(2026, 10, 15, 8, 30))  # noqa: DTZ001


@pytest.mark.parametrize("name", ["Ann\r\nBcc: x@evil.example", "Ann\n", "A\x00", "A\u2028B"])
def test_a_person_name_with_a_line_break_or_control_character_is_refused(name):
    with pytest.raises(ValueError, match="single line"):
        Person("ann@school.example.org", name)


@pytest.mark.parametrize(
    "address",
    ["ann", "ann@", "@school.example.org", "a b@x.org", "a,b@x.org", "a@b@x.org", "<a@x.org>"],
)
def test_a_person_address_must_be_a_plain_addr_spec(address):
    with pytest.raises(ValueError, match="plain email address"):
        Person(address, "Ann")


def test_the_parsed_invite_is_a_calendar_with_one_event():
    parsed = Calendar.from_ical(request())
    assert [component.name for component in parsed.subcomponents] == ["VEVENT"]
