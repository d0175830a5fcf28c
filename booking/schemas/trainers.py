from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from booking.schemas.cohorts import SessionRead
from booking.schemas.common import HHMM, AwareDatetime, Input, MultiLine, Output, TimezoneName
from calendars.weekly import Weekday


class WeeklyBlock(Input):
    day: Weekday
    start: HHMM
    end: HHMM


class AvailabilityExceptionIn(Input):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: MultiLine | None = None


class AvailabilityWrite(Input):
    timezone: TimezoneName
    weekly: Annotated[list[WeeklyBlock], msgspec.Meta(max_length=200)]
    exceptions: Annotated[list[AvailabilityExceptionIn], msgspec.Meta(max_length=1000)] = (
        msgspec.field(default_factory=list)
    )


class WeeklyBlockRead(Output):
    day: Weekday
    start: str
    end: str


class AvailabilityExceptionRead(Output):
    starts_at: datetime
    ends_at: datetime
    reason: str | None


class AvailabilityRead(Output):
    trainer_id: str
    timezone: str
    weekly: list[WeeklyBlockRead]
    exceptions: list[AvailabilityExceptionRead]
    updated_at: datetime | None
    # Future scheduled sessions the trainer teaches inside an exception: saved all the same,
    # and the hub's admins are mailed when a change adds one (services.availability).
    conflicting_sessions: list[SessionRead] = msgspec.field(default_factory=list)


class Slot(Output):
    starts_at: datetime
    ends_at: datetime


class SlotList(Output):
    items: list[Slot]
