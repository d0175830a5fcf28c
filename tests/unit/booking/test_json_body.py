"""The JSON body rules (docs/contract.md, Input rules): UTF-8, at most 32 levels, an object."""

from __future__ import annotations

import pytest

from booking.api.json_body import MAX_DEPTH, decode_object, nesting_depth
from booking.errors import ValidationError


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"1", 0),
        (b"{}", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'{"a": "[[[[{{{{"}', 1),  # brackets inside a string nest nothing
        (b'{"a": "\\"[[[["}', 1),  # nor after an escaped quote
        (b"[[], [], [[]]]", 3),
    ],
)
def test_nesting_depth_counts_arrays_and_objects_not_strings(body, depth):
    assert nesting_depth(body) == depth


def nested(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def test_32_levels_are_read_and_33_refused():
    assert decode_object(nested(MAX_DEPTH))
    with pytest.raises(ValidationError, match="32"):
        decode_object(nested(MAX_DEPTH + 1))


@pytest.mark.parametrize(
    "body", [b"", b"null", b"[]", b"3", b'"x"', b"{", b"\xff{}", b'{"a": 1e400}']
)
def test_anything_but_a_json_object_is_a_validation_error(body):
    with pytest.raises(ValidationError):
        decode_object(body)
