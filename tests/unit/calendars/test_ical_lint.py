"""The byte lint must be able to fail: each check is shown a sample that breaks it."""

import pytest

from tests.support.ics_lint import lint_ics

HEAD = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
TAIL = b"UID:1\r\nDTSTAMP:20260101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
LONDON_ZONE = (
    b"BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0100\r\n"
    b"TZOFFSETTO:+0000\r\nDTSTART:19701025T020000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
)


def sample(*lines: bytes) -> bytes:
    return HEAD + b"".join(line + b"\r\n" for line in lines) + TAIL


def test_a_clean_calendar_has_no_problems():
    assert lint_ics(sample(b"SUMMARY:a\\, b\\; c\\\\", b"DTSTART:20260101T090000Z")) == []


def test_lf_line_endings_are_reported():
    problems = lint_ics(sample(b"SUMMARY:x").replace(b"\r\n", b"\n"))
    assert "line endings must be CRLF only" in problems


def test_a_bare_cr_is_reported():
    assert "line endings must be CRLF only" in lint_ics(sample(b"SUMMARY:a\rb"))


def test_a_missing_final_crlf_is_reported():
    assert lint_ics(sample(b"SUMMARY:x")[:-2]) == ["the last line must end with CRLF"]


def test_an_unfolded_200_character_line_is_reported():
    problems = lint_ics(sample(b"DESCRIPTION:" + b"x" * 188))
    assert problems == ["line 5 is 200 octets (> 75)"]


def test_a_line_of_exactly_75_octets_passes():
    assert lint_ics(sample(b"DESCRIPTION:" + b"x" * 63)) == []


def test_a_fold_inside_a_utf8_sequence_is_reported():
    line = ("SUMMARY:" + "é" * 40).encode()
    assert len(line[:75].decode(errors="ignore").encode()) == 74  # byte 75 is half an é
    problems = lint_ics(sample(line[:75] + b"\r\n " + line[75:]))
    assert problems == [
        "line 5 splits or breaks a UTF-8 sequence",
        "line 6 splits or breaks a UTF-8 sequence",
    ]


def test_a_fold_between_utf8_sequences_passes():
    line = ("SUMMARY:" + "é" * 40).encode()
    assert lint_ics(sample(line[:74] + b"\r\n " + line[74:])) == []


@pytest.mark.parametrize("name", [b"SUMMARY", b"LOCATION", b"DESCRIPTION"])
@pytest.mark.parametrize("value", [b"a, b", b"a; b", b"a\\\\, b"])
def test_an_unescaped_comma_or_semicolon_in_text_is_reported(name, value):
    problems = lint_ics(sample(name + b":" + value))
    assert problems == [f"content line 5: unescaped ',' or ';' in {name.decode()}"]


def test_a_tzid_without_vtimezone_is_reported():
    problems = lint_ics(sample(b"DTSTART;TZID=Europe/London:20260329T013000"))
    assert problems == ["TZID 'Europe/London' has no VTIMEZONE"]


def test_a_quoted_tzid_with_its_vtimezone_passes():
    data = sample(b'DTSTART;TZID="Europe/London":20260329T013000').replace(
        b"BEGIN:VEVENT", LONDON_ZONE + b"BEGIN:VEVENT"
    )
    assert lint_ics(data) == []


def test_a_line_that_is_not_a_content_line_is_reported():
    assert lint_ics(sample(b"just some text")) == ["content line 5 is not NAME[;PARAM=...]:VALUE"]
