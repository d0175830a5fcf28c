from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from booking.durations import IsoDuration
from booking.models.enums import (
    AttendanceStatus,
    BookingStatus,
    CohortStatus,
    JobRole,
    SessionStatus,
    WaitlistMode,
)
from booking.schemas.common import (
    FILLED_MULTI_LINE_PATTERN,
    AwareDatetime,
    Id,
    Input,
    Output,
    Problem,
)

Capacity = Annotated[int, msgspec.Meta(ge=1, le=10_000)]
ReminderOffsets = Annotated[list[IsoDuration], msgspec.Meta(max_length=10)]
MaxPerSchool = Annotated[int, msgspec.Meta(ge=1, le=10_000)]


class CohortCreate(Input):
    hub_id: Id
    course_id: Id
    trainer_id: Id
    venue_id: Id
    capacity: Capacity
    waitlist_mode: WaitlistMode = WaitlistMode.AUTO
    offer_ttl: IsoDuration = "PT48H"
    promotion_cutoff: IsoDuration = "PT24H"
    reminder_offsets: ReminderOffsets = msgspec.field(default_factory=lambda: ["P7D", "P1D"])
    waitlist_capacity: Annotated[int, msgspec.Meta(ge=0, le=100_000)] | None = None
    max_per_school: MaxPerSchool | None = None
    approval_ttl: IsoDuration = "P3D"


class CohortUpdate(Input):
    trainer_id: Id | msgspec.UnsetType = msgspec.UNSET
    capacity: Capacity | msgspec.UnsetType = msgspec.UNSET
    waitlist_mode: WaitlistMode | msgspec.UnsetType = msgspec.UNSET
    offer_ttl: IsoDuration | msgspec.UnsetType = msgspec.UNSET
    promotion_cutoff: IsoDuration | msgspec.UnsetType = msgspec.UNSET
    reminder_offsets: ReminderOffsets | msgspec.UnsetType = msgspec.UNSET
    waitlist_capacity: Annotated[int, msgspec.Meta(ge=0, le=100000)] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )
    max_per_school: MaxPerSchool | msgspec.UnsetType | None = msgspec.UNSET
    approval_ttl: IsoDuration | msgspec.UnsetType = msgspec.UNSET


class CohortCancel(Input):
    # Told to everyone booked, by mail and in calendar invites: a bell or a vertical tab pasted
    # from a word processor would make every one of those mails fail to compose.
    reason: (
        Annotated[
            str, msgspec.Meta(min_length=1, max_length=2000, pattern=FILLED_MULTI_LINE_PATTERN)
        ]
        | None
    ) = None


class SessionCreate(Input):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    venue_id: Id | None = None


class SessionUpdate(Input):
    starts_at: AwareDatetime | msgspec.UnsetType = msgspec.UNSET
    ends_at: AwareDatetime | msgspec.UnsetType = msgspec.UNSET
    venue_id: Id | msgspec.UnsetType = msgspec.UNSET


class SessionSeriesCreate(Input):
    first_starts_at: AwareDatetime
    first_ends_at: AwareDatetime
    every: Literal["P1W", "P2W"]
    count: Annotated[int, msgspec.Meta(ge=1, le=20)]
    venue_id: Id | None = None


class SessionRead(Output):
    id: str
    cohort_id: str
    starts_at: datetime
    ends_at: datetime
    venue_id: str
    status: SessionStatus
    sequence: int
    # Overlaps 08:30-15:30 venue-local on a weekday: a school must cover the teacher's class.
    during_school_day: bool


class SessionList(Output):
    items: list[SessionRead]


class CohortRead(Output):
    id: str
    hub_id: str
    course_id: str
    course_title: str
    trainer_id: str
    trainer_name: str
    venue_id: str
    status: CohortStatus
    capacity: int
    confirmed_count: int
    offered_count: int
    seats_left: int
    waitlist_length: int
    waitlist_mode: WaitlistMode
    offer_ttl: str
    promotion_cutoff: str
    reminder_offsets: list[str]
    waitlist_capacity: int | None
    max_per_school: int | None
    approval_ttl: str
    sessions: list[SessionRead]
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime


class CohortPage(Output):
    items: list[CohortRead]
    next_cursor: str | None


class RosterEntry(Output):
    booking_id: str
    teacher_id: str
    name: str
    email: str
    school: str | None
    job_role: JobRole | None
    status: BookingStatus
    waitlist_position: int | None
    offer_expires_at: datetime | None
    booked_at: datetime


class RosterRead(Output):
    cohort_id: str
    confirmed: list[RosterEntry]
    offered: list[RosterEntry]
    waitlist: list[RosterEntry]


class AttendanceRecord(Input):
    booking_id: Id
    status: AttendanceStatus


class AttendanceWrite(Input):
    records: Annotated[list[AttendanceRecord], msgspec.Meta(max_length=10_000)]


class AttendanceRecordRead(Output):
    booking_id: str
    status: AttendanceStatus | None
    name: str
    email: str


class AttendanceRead(Output):
    session_id: str
    records: list[AttendanceRecordRead]


class SessionConflict(Output):
    """A live session in the way: `kind` says whose calendar it is in (the trainer's or the
    venue's); a session in both is listed once for each. When a cohort changes trainer, a
    session of its own that the new trainer is not available for has kind `availability`."""

    session_id: str
    cohort_id: str
    course_title: str
    starts_at: datetime
    ends_at: datetime
    kind: Literal["trainer", "venue", "availability"]


class TimeWindow(Output):
    starts_at: datetime
    ends_at: datetime


class SchedulingProblem(Problem):
    """A 409 trainer_unavailable, trainer_double_booked or venue_double_booked: the sessions
    in the way (for the double bookings), and up to 3 nearest free windows of the same length
    within 14 days where the trainer and the venue are both free (may be empty)."""

    conflicts: list[SessionConflict] | msgspec.UnsetType = msgspec.UNSET
    suggestions: list[TimeWindow] | msgspec.UnsetType = msgspec.UNSET


class SeriesConflict(Output):
    """One occurrence of a series that cannot be had: its place in the series (0-based), when
    it would start, and the rule it breaks."""

    index: int
    starts_at: datetime
    code: str


class SeriesProblem(Problem):
    """A 409 for a series: the first failing occurrence's code, and every failing occurrence."""

    conflicts: list[SeriesConflict] | msgspec.UnsetType = msgspec.UNSET
