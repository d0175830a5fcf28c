from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from booking.clock import FrozenClock
from booking.ids import new_id
from booking.security import hash_sign_in_code, hash_token, new_api_token, new_sign_in_code


def test_ids_are_32_hex_characters_in_creation_order():
    ids = [new_id() for _ in range(2000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    # Monotonic within a process, even inside one millisecond.
    assert ids == sorted(ids)
    assert all(uuid.UUID(i).version == 7 for i in ids[:10])


def test_api_tokens_carry_256_bits_and_are_stored_as_digests():
    token = new_api_token()
    assert len(token) >= 43
    assert hash_token(token) != token
    assert len(hash_token(token)) == 64


def test_sign_in_codes_are_six_digits():
    codes = {new_sign_in_code() for _ in range(500)}
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    assert len(codes) > 400


def test_code_digests_are_bound_to_the_address():
    assert hash_sign_in_code("a@example.org", "123456") != hash_sign_in_code(
        "b@example.org", "123456"
    )


def test_frozen_clock_refuses_naive_time_and_moves_only_when_told():
    with pytest.raises(ValueError, match="aware"):
        FrozenClock(datetime(2027, 1, 1))  # noqa: DTZ001 - the point of the test
    clock = FrozenClock(datetime(2027, 1, 1, tzinfo=UTC))
    clock.advance(timedelta(minutes=5))
    assert clock.now() == datetime(2027, 1, 1, 0, 5, tzinfo=UTC)
