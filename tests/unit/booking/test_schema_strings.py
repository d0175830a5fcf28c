"""Names and titles are single-line: control characters of any kind are refused (API.md)."""

from __future__ import annotations

import msgspec
import pytest

from booking.schemas.common import HHMM, Email, MultiLine, SingleLine


@pytest.mark.parametrize("name", ["Sam Jones", "Zoë Ångström", "O'Neill-Brown", "Sam\u00a0Jones"])
def test_single_line_accepts_names(name):
    assert msgspec.convert(name, SingleLine) == name


@pytest.mark.parametrize(
    "name",
    [
        "Sam\nJones",
        "Sam\x07",
        "Sam\x7f",
        "Sam\x80",
        "Sam\x85Jones",  # NEL
        "Sam\x9f",
        "Sam\u2028Jones",
        "Sam\u2029Jones",
        "Sam\n",
        "Sam\r\n",
        "   ",
        "",
    ],
)
def test_single_line_refuses_control_characters_and_line_breaks(name):
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(name, SingleLine)


def test_multi_line_keeps_line_breaks_but_refuses_c1_controls():
    assert msgspec.convert("one\r\ntwo\tthree\u2028four", MultiLine)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert("one\x85two", MultiLine)


@pytest.mark.parametrize(
    ("kind", "value"),
    [(SingleLine, "Sam\n"), (Email, "sam@example.org\n"), (HHMM, "09:00\n")],
)
def test_patterns_end_at_the_very_end(kind, value):
    """msgspec checks patterns with re.search, where `$` also matches before a final newline."""
    assert msgspec.convert(value.removesuffix("\n"), kind)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(value, kind)
