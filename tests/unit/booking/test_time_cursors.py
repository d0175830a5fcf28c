"""The (time, id) cursors of page_by_time: opaque, exact round trips, and neither kind of cursor
taken for the other."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from booking.errors import ValidationError
from booking.ids import new_id
from booking.repositories.pagination import (
    decode_cursor,
    decode_time_cursor,
    encode_cursor,
    encode_time_cursor,
)


def raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "when",
    [
        datetime(2027, 1, 25, 9, 0, tzinfo=UTC),
        datetime(2027, 1, 25, 9, 0, 0, 123456, tzinfo=UTC),
        datetime(2027, 6, 1, 10, 30, tzinfo=timezone(timedelta(hours=1))),
        None,
    ],
)
def test_a_time_cursor_gives_back_its_time_and_id_exactly(when):
    last_id = new_id()
    cursor = encode_time_cursor(when, last_id)
    assert last_id not in cursor
    assert "=" not in cursor
    assert decode_time_cursor(cursor) == (when, last_id)


def test_an_id_cursor_is_not_a_time_cursor_nor_the_other_way_round():
    last_id = new_id()
    with pytest.raises(ValidationError):
        decode_time_cursor(encode_cursor(last_id))
    with pytest.raises(ValidationError):
        decode_cursor(encode_time_cursor(datetime(2027, 1, 25, tzinfo=UTC), last_id))


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        raw("t1:"),
        raw("t1:0123"),
        raw("t1::2027-01-25T09:00:00+00:00"),
        raw("t1:0123:yesterday"),
        raw("t1:0123:2027-01-25T09:00:00"),  # no offset
    ],
)
def test_a_time_cursor_this_service_did_not_give_out_is_refused(cursor):
    with pytest.raises(ValidationError):
        decode_time_cursor(cursor)
