"""ISO 8601 durations (docs/contract.md, Datetimes and durations) kept as the client wrote them.

They are stored as text so that what a hub typed ("PT48H", "P7D") is what it reads back;
`parse_duration` turns them into timedeltas where time is computed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import msgspec

IsoDuration = Annotated[
    str,
    msgspec.Meta(
        # At most six digits a unit: nobody means a million days, and timedelta has limits.
        # `$(?!\n)`: Python's `$` also matches before a final newline (see schemas.common).
        pattern=r"^P(?!$)(\d{1,6}D)?(T(?=\d)(\d{1,6}H)?(\d{1,6}M)?(\d{1,6}S)?)?$(?!\n)",
        max_length=32,
        description="ISO 8601 duration in days, hours, minutes and seconds, e.g. PT48H or P7D",
        examples=["PT48H"],
    ),
]


def parse_duration(text: str) -> timedelta:
    """A duration the schema already validated; raises ValueError for anything else."""
    try:
        return msgspec.convert(text, timedelta)
    except (msgspec.ValidationError, OverflowError) as exc:
        raise ValueError(f"{text!r} is not an ISO 8601 duration") from exc
