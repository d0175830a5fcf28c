"""Names and titles are single-line: control characters of any kind are refused
(docs/contract.md)."""

from __future__ import annotations

import msgspec
import pytest

from booking.schemas.common import HHMM, Email, MultiLine, SingleLine
from booking.schemas.hubs import Address, Region
from booking.schemas.timetables import Label


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


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        (Region, "North West", "North\x85West"),
        (Region, "North West", "North West\n"),
        (Region, "North West", "North\u2028West"),
        (Address, "1 Mill Road\nLeeds", "1 Mill Road\x85Leeds"),
        (Address, "1 Mill Road\nLeeds", "  \n "),
        (Label, "Year 9 maths", "Year 9 maths\n"),
        (Label, "Year 9 maths", "Year\x859"),
        (Label, "", "Year\u20299"),
    ],
)
def test_hub_regions_addresses_and_lesson_labels_follow_the_same_rules(kind, good, bad):
    assert msgspec.convert(good, kind) == good
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(bad, kind)
