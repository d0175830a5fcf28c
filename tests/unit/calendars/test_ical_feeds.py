"""Subscribable feeds: no METHOD, no addresses, refresh hints, and byte-stable output."""

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calendars.ical import PRODID, feed
from tests.support.ics_lint import checked, sample_event

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 11, 2, 9, tzinfo=UTC)


def events(count: int = 6):
    return [
        sample_event(
            uid=f"00000000-0000-4000-8000-{number:012d}",
            sequence=number % 3,
            starts_at=MONDAY + timedelta(days=number),
            ends_at=MONDAY + timedelta(days=number, hours=3),
            summary=f"Session {number}, part {number % 2}",
            last_modified=datetime(2026, 10, 1, tzinfo=UTC) + timedelta(minutes=number),
        )
        for number in range(count)
    ]


def render(items=None, **kwargs) -> bytes:
    return feed(
        events() if items is None else items,
        calendar_id=kwargs.pop("calendar_id", "hub-4f1c9a"),
        name=kwargs.pop("name", "Riverside Hub training"),
    )


def unfolded(data: bytes) -> bytes:
    return data.replace(b"\r\n ", b"")


def test_a_feed_has_no_method_and_no_email_addresses():
    lenient, strict = checked(render())
    data = unfolded(render())
    assert "METHOD" not in lenient
    assert strict.method is None
    for name in (b"METHOD", b"ATTENDEE", b"ORGANIZER", b"mailto:"):
        assert name not in data, name
    assert all("ATTENDEE" not in event and "ORGANIZER" not in event for event in lenient.events)


def test_the_calendar_carries_a_fixed_uid_its_name_and_refresh_hints():
    lines = unfolded(render()).split(b"\r\n")
    assert b"UID:hub-4f1c9a" in lines
    assert b"NAME:Riverside Hub training" in lines
    assert b"X-WR-CALNAME:Riverside Hub training" in lines
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert b"X-PUBLISHED-TTL:PT1H" in lines
    lenient, strict = checked(render())
    assert lenient["VERSION"] == "2.0"
    assert lenient["PRODID"] == PRODID
    assert strict.uid == "hub-4f1c9a"
    assert strict.name == ["Riverside Hub training"]
    assert strict.refresh_interval == timedelta(hours=1)


def test_a_calendar_name_with_commas_and_newlines_is_escaped():
    # icalendar 7.3 writes NAME/X-WR-CALNAME unescaped (and asserts on "\n") via `name=`.
    name = "Hub, Bristol; SEND \\ training\nAutumn"
    data = unfolded(render(name=name))
    assert b"\r\nNAME:Hub\\, Bristol\\; SEND \\\\ training\\nAutumn\r\n" in data
    assert b"\r\nX-WR-CALNAME:Hub\\, Bristol\\; SEND \\\\ training\\nAutumn\r\n" in data
    _, strict = checked(render(name=name))
    assert strict.name == [name]


def test_every_event_is_stamped_with_its_own_last_change():
    lenient, _ = checked(render())
    for session, event in zip(events(), lenient.events, strict=True):
        assert event["DTSTAMP"].dt == session.last_modified
        assert event.last_modified == session.last_modified
        assert event["SEQUENCE"] == session.sequence
        assert event["STATUS"] == "CONFIRMED"


def test_stamps_and_times_are_written_in_utc():
    session = sample_event(
        starts_at=datetime(2026, 6, 1, 9, tzinfo=LONDON),
        ends_at=datetime(2026, 6, 1, 12, tzinfo=LONDON),
        last_modified=datetime(2026, 5, 1, 10, 0, 0, 999, tzinfo=LONDON),
    )
    lines = unfolded(render([session])).split(b"\r\n")
    assert b"DTSTART:20260601T080000Z" in lines
    assert b"DTEND:20260601T110000Z" in lines
    assert b"DTSTAMP:20260501T090000Z" in lines
    assert b"LAST-MODIFIED:20260501T090000Z" in lines


def test_the_same_sessions_give_the_same_bytes():
    assert render() == render()


def test_the_order_of_the_input_does_not_change_the_bytes():
    shuffled = events()
    random.Random(7).shuffle(shuffled)  # noqa: S311 - a fixed order, not a secret
    assert shuffled != events()
    assert render(shuffled) == render()


def test_the_same_instants_in_another_zone_give_the_same_bytes():
    moved = [
        replace(
            session,
            starts_at=session.starts_at.astimezone(LONDON),
            ends_at=session.ends_at.astimezone(LONDON),
            last_modified=session.last_modified.astimezone(LONDON),
        )
        for session in events()
    ]
    assert render(moved) == render()


def test_a_changed_session_changes_the_bytes():
    changed = events()
    changed[2] = replace(changed[2], last_modified=changed[2].last_modified + timedelta(seconds=1))
    assert render(changed) != render()


def test_events_are_sorted_by_start_then_uid():
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    later = sample_event(
        uid="a", starts_at=start + timedelta(hours=1), ends_at=start + timedelta(hours=2)
    )
    same_b = sample_event(uid="b", starts_at=start, ends_at=start + timedelta(hours=1))
    same_a = sample_event(uid="a2", starts_at=start, ends_at=start + timedelta(hours=3))
    lenient, _ = checked(render([later, same_b, same_a]))
    assert [str(event["UID"]) for event in lenient.events] == ["a2", "b", "a"]


def test_a_cancelled_session_that_is_passed_is_shown_as_cancelled():
    cancelled = sample_event(cancelled=True, sequence=4)
    lenient, _ = checked(render([cancelled]))
    [event] = lenient.events
    assert event["STATUS"] == "CANCELLED"
    assert event["SUMMARY"] == f"Cancelled: {cancelled.summary}"
    assert event["SEQUENCE"] == 4


def test_an_empty_feed_is_still_a_valid_calendar():
    lenient, strict = checked(render([]))
    assert lenient.events == []
    assert strict.events == []
    assert strict.uid == "hub-4f1c9a"


def test_a_feed_needs_a_calendar_id():
    with pytest.raises(ValueError, match="fixed calendar id"):
        render(calendar_id="")


def test_a_large_feed_with_awkward_text_lints_clean_and_round_trips():
    description = "Trainer: Siân Ellis; Ystafell 2, Llawr 1\\n\nاردو 🙂 " * 20  # noqa: RUF001
    sessions = [
        replace(
            session,
            summary=f"Cwrs, {session.summary}; ŵŷ 🧩",
            description=description,
            location="Canolfan\nHeol y Frenhines\nCF10 1AA",
        )
        for session in events(200)
    ]
    lenient, strict = checked(render(sessions))
    assert len(strict.events) == 200
    for session, event, strict_event in zip(sessions, lenient.events, strict.events, strict=True):
        assert event["SUMMARY"] == strict_event.summary == session.summary
        assert event["DESCRIPTION"] == strict_event.description == description
        assert strict_event.location == "Canolfan, Heol y Frenhines, CF10 1AA"
