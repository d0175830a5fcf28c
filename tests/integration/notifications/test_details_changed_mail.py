"""The "venue details changed" invite, composed from plain values (no database): the same MIME
and iMIP shape as every other invite (tests/unit/notifications/test_compose.py), and wording
that does not claim the time moved."""

from __future__ import annotations

from dataclasses import replace
from email.message import EmailMessage

import pytest

from notifications import compose
from tests.support.ics_lint import checked
from tests.unit.notifications.test_compose import (
    COHORT,
    CTX,
    INJECTION,
    TEACHER,
    VENUE,
    WINTER,
    calendar_bytes,
    layout,
    reparsed,
    text_of,
)

BEFORE = {
    "before_venue_name": "Old Mill Centre",
    "before_venue_address": "2 Mill Lane\nBristol",
    "before_venue_postcode": "BS2 0AA",
}
RENAMED = replace(WINTER, sequence=2, venue=replace(VENUE, name="Riverside Centre"))


def mail(**changes: str) -> EmailMessage:
    return compose.session_details_changed(
        ctx=CTX, to=TEACHER, cohort=COHORT, session=RENAMED, **(BEFORE | changes)
    )


def test_it_is_a_request_with_the_same_uid_and_the_stored_sequence() -> None:
    message = mail()
    assert layout(reparsed(message)) == [
        "multipart/mixed",
        [
            ["multipart/alternative", ["text/plain", "text/html", "text/calendar"]],
            "application/ics",
        ],
    ]
    lenient, _strict = checked(calendar_bytes(message))
    assert lenient.get("METHOD") == "REQUEST"
    [event] = lenient.events
    assert str(event["UID"]) == WINTER.uid
    assert event.sequence == 2
    assert str(event["LOCATION"]) == "Riverside Centre, 1 Quay Street, Bristol, BS1 4DJ"
    assert WINTER.starts_at == event.DTSTART


def test_it_says_the_time_stays_and_shows_where_it_was() -> None:
    message = mail()
    text = text_of(message)
    assert "date and time are the same" in text
    assert "Old Mill Centre" in text
    assert "2 Mill Lane" in text
    assert "BS2 0AA" in text
    assert "Riverside Centre" in text
    assert " ".join(str(message["Subject"]).split()).startswith(
        "Venue details changed: Supporting autistic pupils"
    )
    assert "It was" not in text


@pytest.mark.parametrize(
    "changes",
    [
        {"before_venue_name": f"Old Mill{INJECTION}"},
        {"before_venue_address": "2 Mill Lane\x00\nBristol"},
        {"before_venue_postcode": f"BS2 0AA{INJECTION}"},
    ],
)
def test_a_before_value_with_a_control_character_is_refused(changes: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="control character"):
        mail(**changes)
