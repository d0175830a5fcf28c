"""Every calendar we emit, checked by libical against RFC 5546's restriction tables for its
method (REQUEST, CANCEL, the one-attendee CANCEL) and RFC 5545 syntax; plus controls showing
libical does refuse what RFC 5546 forbids, so a pass means something."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calendars.ical import feed, invite
from tests.support.ics_lint import sample_event
from tests.support.libical import libical_verdicts
from tests.unit.calendars.test_ical_invites import ORGANIZER, STAMP, TEACHER, TRICKY_TEXT
from tests.unit.notifications.test_compose import calendar_bytes, invites

# Sessions on the Europe/London change days (last Sundays of March and October 2027).
SPRING = sample_event(
    starts_at=datetime(2027, 3, 28, 0, 30, tzinfo=UTC),
    ends_at=datetime(2027, 3, 28, 2, 30, tzinfo=UTC),
)
AUTUMN = sample_event(
    starts_at=datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
    ends_at=datetime(2027, 10, 31, 1, 30, tzinfo=UTC),
)


def built(event=None, method="REQUEST", **kwargs):
    return invite(
        event or sample_event(),
        method=method,
        organizer=ORGANIZER,
        attendee=TEACHER,
        stamp=STAMP,
        **kwargs,
    )


def calendars_we_emit() -> dict[str, bytes]:
    found = {
        "request": built(),
        "request, spring change day": built(SPRING),
        "request, autumn change day": built(AUTUMN),
        "request, tricky text": built(sample_event(description=TRICKY_TEXT, summary="Ysgol ŵ")),
        "cancel, session cancelled": built(
            sample_event(sequence=3, cancelled=True), method="CANCEL"
        ),
        "cancel, one attendee leaves": built(sample_event(sequence=1), "CANCEL", uninvite=True),
        "feed": feed([sample_event(), SPRING, AUTUMN], calendar_id="feed-1", name="My training"),
        "empty feed": feed([], calendar_id="feed-2", name="Nothing yet"),
    }
    for kind, _method, _session, message in invites():
        found[f"mail: {kind}"] = calendar_bytes(message)
    return found


def test_libical_accepts_every_calendar_we_emit_under_rfc_5546():
    emitted = calendars_we_emit()
    verdicts = dict(zip(emitted, libical_verdicts(list(emitted.values())), strict=True))
    refused = {kind: v.marked for kind, v in verdicts.items() if not v.valid}
    assert not refused, refused


def drop(data: bytes, prefix: bytes) -> bytes:
    """The calendar without its (unfolded) lines starting with `prefix`."""
    lines = data.replace(b"\r\n ", b"").split(b"\r\n")
    return b"\r\n".join(line for line in lines if not line.startswith(prefix))


def double(data: bytes, prefix: bytes) -> bytes:
    lines = data.replace(b"\r\n ", b"").split(b"\r\n")
    out = []
    for line in lines:
        out.append(line)
        if line.startswith(prefix):
            out.append(line)
    return b"\r\n".join(out)


@pytest.mark.parametrize(
    ("what", "broken"),
    [
        ("a REQUEST without ORGANIZER", lambda: drop(built(), b"ORGANIZER")),
        ("a REQUEST without ATTENDEE", lambda: drop(built(), b"ATTENDEE")),
        ("a REQUEST without DTSTAMP", lambda: drop(built(), b"DTSTAMP")),
        ("a REQUEST with two UIDs", lambda: double(built(), b"UID")),
        (
            "a CANCEL without UID",
            lambda: drop(built(sample_event(cancelled=True), "CANCEL"), b"UID"),
        ),
    ],
)
def test_control_libical_refuses_what_rfc_5546_forbids(what, broken):
    [verdict] = libical_verdicts([broken()])
    assert not verdict.valid, f"libical accepted {what}"
