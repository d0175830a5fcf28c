from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from booking.models.enums import Accessibility
from booking.schemas.common import (
    FILLED_MULTI_LINE_PATTERN,
    SINGLE_LINE_PATTERN,
    Email,
    Input,
    MultiLine,
    Output,
    SingleLine,
    TimezoneName,
)

Region = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=SINGLE_LINE_PATTERN)]
Postcode = Annotated[
    str,
    msgspec.Meta(
        # Spaces only: Python's \s also matches FS, GS, RS and US (U+001C-U+001F), and `$`
        # a final newline.
        pattern=r"^ *[A-Za-z]{1,2}[0-9][A-Za-z0-9]? *[0-9][A-Za-z]{2} *$(?!\n)",
        description="A UK postcode",
        examples=["M1 1AE"],
    ),
]
Capacity = Annotated[int, msgspec.Meta(ge=1, le=10_000)]
Address = Annotated[
    str, msgspec.Meta(min_length=1, max_length=1000, pattern=FILLED_MULTI_LINE_PATTERN)
]


class HubCreate(Input):
    name: SingleLine
    region: Region
    contact_email: Email


class HubUpdate(Input):
    name: SingleLine | msgspec.UnsetType = msgspec.UNSET
    region: Region | msgspec.UnsetType = msgspec.UNSET
    contact_email: Email | msgspec.UnsetType = msgspec.UNSET


class HubRead(Output):
    id: str
    name: str
    region: str
    contact_email: str
    created_at: datetime
    updated_at: datetime


class HubPage(Output):
    items: list[HubRead]
    next_cursor: str | None


class VenueCreate(Input):
    name: SingleLine
    address: Address
    postcode: Postcode
    capacity: Capacity
    timezone: TimezoneName = "Europe/London"
    accessibility: list[Accessibility] = msgspec.field(default_factory=list)
    travel_notes: MultiLine | None = None


class VenueUpdate(Input):
    name: SingleLine | msgspec.UnsetType = msgspec.UNSET
    address: Address | msgspec.UnsetType = msgspec.UNSET
    postcode: Postcode | msgspec.UnsetType = msgspec.UNSET
    capacity: Capacity | msgspec.UnsetType = msgspec.UNSET
    timezone: TimezoneName | msgspec.UnsetType = msgspec.UNSET
    accessibility: list[Accessibility] | msgspec.UnsetType = msgspec.UNSET
    travel_notes: MultiLine | msgspec.UnsetType | None = msgspec.UNSET


class VenueRead(Output):
    id: str
    hub_id: str
    name: str
    address: str
    postcode: str
    capacity: int
    timezone: str
    accessibility: list[Accessibility]
    travel_notes: str | None
    created_at: datetime
    updated_at: datetime


class VenuePage(Output):
    items: list[VenueRead]
    next_cursor: str | None
