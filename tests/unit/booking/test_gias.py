"""Reading the DfE's GIAS establishment CSV, and folding names for search."""

from __future__ import annotations

from pathlib import Path

import pytest

from booking.services.gias import MissingColumnsError, read_gias
from booking.services.school_names import fold_words, search_name

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "gias_establishments.csv"


def sample_text() -> str:
    return SAMPLE.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("cp1252")


def test_the_sample_is_windows_1252_with_a_bom():
    data = SAMPLE.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert "École".encode("cp1252") in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8-sig")


@pytest.mark.parametrize(
    "encode",
    [
        lambda _text: SAMPLE.read_bytes(),
        lambda text: text.encode("utf-8"),
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
        lambda text: text.encode("cp1252"),
    ],
    ids=["cp1252-with-bom", "utf-8", "utf-8-with-bom", "cp1252"],
)
def test_each_encoding_reads_the_same(encode):
    gias = read_gias(encode(sample_text()))
    assert [r.urn for r in gias.rows] == [900001, 900002, 900003, 900004]
    assert gias.skipped == 1  # the closed nursery
    ecole = gias.rows[2]
    assert ecole.name == "École Française de Manchester"
    assert ecole.local_authority == "Manchester"
    assert ecole.status == "Open, but proposed to close"
    assert gias.rows[3].name == "Brontë Academy"
    assert gias.rows[3].postcode == "OL11 1AB"


def test_missing_columns_are_named():
    text = sample_text().replace('"LA (name)"', '"LA"').replace('"Postcode"', '"PC"')
    with pytest.raises(MissingColumnsError) as raised:
        read_gias(text.encode())
    assert raised.value.missing == ["LA (name)", "Postcode"]
    assert "'LA (name)'" in str(raised.value)


def test_rows_without_a_urn_or_name_are_skipped():
    header = (
        "URN,EstablishmentName,LA (name),PhaseOfEducation (name),Postcode,"
        "EstablishmentStatus (name)\n"
    )
    body = "x1,A,B,C,M1 1AA,Open\n900010,,B,C,M1 1AA,Open\n900011,Good\x07 School,B,C,M1 1AA,Open\n"
    gias = read_gias((header + body).encode())
    assert gias.skipped == 2
    assert [r.name for r in gias.rows] == ["Good School"]


def test_folding_ignores_case_accents_and_apostrophes():
    assert fold_words("École Saint-Étienne") == ["ecole", "saint", "etienne"]
    assert fold_words("ST MARY\u2019S") == ["st", "marys"]
    assert search_name("Brontë  Academy") == " bronte academy "
