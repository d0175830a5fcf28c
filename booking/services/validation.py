"""Checks the schema layer cannot express: IANA zones, postcodes, addresses, intervals."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from booking.errors import ValidationError

# Files in the system zone directory that are not zone names users should give us.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(
        name
        for name in available_timezones()
        if name not in _NOT_ZONES and not name.startswith(("posix/", "right/"))
    )


def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """An IANA zone by name; anything else (including paths and "localtime") is refused."""
    if name not in _zone_names():
        raise ValidationError.field(field, f"{name!r} is not an IANA time zone name")
    return ZoneInfo(name)


def normalise_email(email: str) -> str:
    # Addresses are matched case-insensitively; the stored form is lower case.
    return email.strip().lower()


_SPACES = re.compile(r"\s+")


def normalise_postcode(postcode: str) -> str:
    """'m11ae' -> 'M1 1AE': the inward code is always the last three characters."""
    compact = _SPACES.sub("", postcode).upper()
    return f"{compact[:-3]} {compact[-3:]}"


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def require_plausible(moment: datetime, field: str) -> None:
    """Times between 1970 and 2200: anything else is a typo, and near the ends of the
    datetime range, arithmetic across a day or a zone would overflow."""
    if not EARLIEST <= moment < LATEST:
        raise ValidationError.field(field, "must be between 1970 and 2200")


def require_order(start: datetime, end: datetime, field: str) -> None:
    if end <= start:
        raise ValidationError.field(field, "must be after the start")
