"""Typed domain events: every kind round-trips through its stored row, and has a handler."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from booking import events
from notifications.handlers import HANDLERS

AT = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


def test_every_event_type_has_exactly_one_handler():
    assert set(HANDLERS) == set(events.EVENT_TYPES)


def test_kinds_are_the_class_names():
    assert {t.__name__ for t in events.EVENT_TYPES} == events.KINDS


@pytest.mark.parametrize(
    "event",
    [
        events.BookingConfirmed(
            booking_id="b", cohort_id="c", teacher_id="t", status="confirmed", session_ids=["s"]
        ),
        events.BookingOffered(
            booking_id="b", cohort_id="c", teacher_id="t", status="offered", offer_expires_at=AT
        ),
        events.BookingCancelled(
            booking_id="b",
            cohort_id="c",
            teacher_id="t",
            status="cancelled",
            previous_status="confirmed",
            by="owner",
            late=True,
        ),
        events.SessionRescheduled(
            session_id="s",
            cohort_id="c",
            sequence=2,
            before=events.SessionPlace(starts_at=AT, ends_at=AT, venue_id="v"),
            starts_at=AT,
            ends_at=AT,
            venue_id="v",
        ),
    ],
)
def test_an_event_reads_back_from_its_row(event):
    row = events.to_row(event)
    assert "kind" not in row
    assert events.from_row(
        events.kind_of(event), msgspec.json.decode(msgspec.json.encode(row))
    ) == (event)


def test_a_row_written_before_the_types_still_reads():
    """Rows of the untyped outbox: ISO datetimes with +00:00, `late` absent, extra fields none."""
    row = {
        "booking_id": "b",
        "cohort_id": "c",
        "teacher_id": "t",
        "status": "offered",
        "offer_expires_at": "2027-01-11T09:00:00+00:00",
    }
    assert events.from_row("BookingOffered", row).offer_expires_at == AT  # type: ignore[union-attr]


def test_an_unset_late_is_left_out_of_the_row():
    cancelled = events.BookingCancelled(
        booking_id="b",
        cohort_id="c",
        teacher_id="t",
        status="cancelled",
        previous_status="waitlisted",
        by="cohort_cancelled",
    )
    assert "late" not in events.to_row(cancelled)


def test_an_unknown_kind_or_a_broken_row_is_refused_not_guessed():
    with pytest.raises(events.UnknownEventError, match="unknown event kind"):
        events.from_row("BookingTeleported", {"booking_id": "b"})
    with pytest.raises(events.UnknownEventError, match="booking_id"):
        events.from_row("BookingOffered", {"cohort_id": "c"})
