"""Reading the DfE's "Get Information about Schools" establishment CSV
(docs/contract.md, Schools and staff). Pure: bytes in, rows out; the command and the service decide
what to do with them.

The download is Windows-1252; a file saved again by a spreadsheet is often UTF-8, with or
without a byte-order mark. UTF-8 is tried first: a Windows-1252 file with any accent in it is
almost never valid UTF-8, and one without accents reads the same either way.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

URN, NAME, LA, PHASE, POSTCODE, STATUS = (
    "URN",
    "EstablishmentName",
    "LA (name)",
    "PhaseOfEducation (name)",
    "Postcode",
    "EstablishmentStatus (name)",
)
REQUIRED_COLUMNS = (URN, NAME, LA, PHASE, POSTCODE, STATUS)
CLOSED = "Closed"
# What one column may hold once stored (models.schools.School).
_LIMITS = {NAME: 200, LA: 100, PHASE: 100, POSTCODE: 10, STATUS: 60}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class MissingColumnsError(ValueError):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"the file has no column {', '.join(repr(c) for c in missing)}")
        self.missing = missing


@dataclass(frozen=True, slots=True)
class GiasRow:
    urn: int
    name: str
    local_authority: str
    phase: str
    postcode: str
    status: str


@dataclass(frozen=True, slots=True)
class GiasFile:
    rows: list[GiasRow]
    # Closed establishments, and rows with no usable URN or name.
    skipped: int


def decode(data: bytes) -> str:
    """A UTF-8 byte-order mark is dropped whatever follows it: a spreadsheet may put one before
    text it then saves as Windows-1252."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _cell(value: str | None, column: str) -> str:
    text = " ".join(_CONTROL.sub(" ", value or "").split())
    return text[: _LIMITS[column]]


def read_gias(data: bytes) -> GiasFile:
    """The open establishments of a GIAS CSV; MissingColumnsError when a column is missing."""
    reader = csv.DictReader(io.StringIO(decode(data), newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise MissingColumnsError(missing)
    reader.fieldnames = header
    rows: list[GiasRow] = []
    skipped = 0
    for raw in reader:
        urn_text, name = (raw.get(URN) or "").strip(), _cell(raw.get(NAME), NAME)
        status = _cell(raw.get(STATUS), STATUS)
        if status == CLOSED or not urn_text.isdigit() or not name or len(urn_text) > 9:  # noqa: PLR2004 - an int column
            skipped += 1
            continue
        rows.append(
            GiasRow(
                urn=int(urn_text),
                name=name,
                local_authority=_cell(raw.get(LA), LA),
                phase=_cell(raw.get(PHASE), PHASE),
                postcode=_cell(raw.get(POSTCODE), POSTCODE).upper(),
                status=status,
            )
        )
    return GiasFile(rows=rows, skipped=skipped)
