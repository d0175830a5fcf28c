"""Shared field types and base Structs.

Validation happens here, at the edge: unknown fields are refused, names are single-line,
datetimes must carry an offset, and every string has a length limit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

# Python's `$` also matches just before a final "\n" (msgspec checks patterns with re.search), so
# every pattern that must end at the end of the string says `$(?!\n)`; ECMA-262, which reads the
# same patterns in the OpenAPI document, gives it the same meaning.
# Names and titles: one line, no control characters (C0, DEL and C1, which holds NEL U+0085), no
# line or paragraph separators (U+2028, U+2029), not blank (docs/contract.md, Input rules).
SINGLE_LINE_PATTERN = r"^(?=.*\S)[^\x00-\x1f\x7f-\x9f\u2028\u2029]+$(?!\n)"
SingleLine = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=SINGLE_LINE_PATTERN)]
# Summaries, notes and addresses may span lines (tab, LF, CR); other control characters, C1
# included, are refused.
MULTI_LINE_CHARACTERS = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
MultiLine = Annotated[str, msgspec.Meta(max_length=5000, pattern=rf"^{MULTI_LINE_CHARACTERS}*$")]
# Multi-line and not blank: addresses, reasons.
FILLED_MULTI_LINE_PATTERN = rf"^(?=[\s\S]*\S){MULTI_LINE_CHARACTERS}+$"
# Values that are not prose (ids, zone names, codes, URLs): one line, no control character. They
# are refused at the edge too: PostgreSQL cannot even compare a text value holding NUL, so a
# lookup by such an id would fail as a 500, and a stored one could break a mail later.
PRINTABLE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$(?!\n)"
# A plain ASCII addr-spec we can really send to: dot-atom local part (at most 64 octets) and a
# DNS name with at least one dot and labels of 1-63 characters; 254 octets in all.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
Email = Annotated[
    str,
    msgspec.Meta(
        max_length=254,
        pattern=rf"^(?=[^@]{{1,64}}@){_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$(?!\n)",
        description="An email address",
        examples=["sam.teacher@example.org"],
    ),
]
AwareDatetime = Annotated[
    datetime,
    msgspec.Meta(tz=True, description="RFC 3339 with an offset, e.g. 2027-03-04T16:00:00Z"),
]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=PRINTABLE_PATTERN)]
TimezoneName = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=64, pattern=PRINTABLE_PATTERN, examples=["Europe/London"]
    ),
]
HHMM = Annotated[str, msgspec.Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$(?!\n)", examples=["09:00"])]


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A request body: unknown fields are an error, not silently dropped."""


class Output(msgspec.Struct, kw_only=True):
    """A response body."""


class ProblemError(Output):
    field: str
    message: str


class Problem(Output):
    """RFC 9457 problem details, with our stable `code`."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemError] | msgspec.UnsetType = msgspec.UNSET
