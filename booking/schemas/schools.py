from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from booking.models.enums import JobRole
from booking.schemas.bookings import BookingRead
from booking.schemas.cohorts import SessionRead
from booking.schemas.common import (
    FILLED_MULTI_LINE_PATTERN,
    SINGLE_LINE_PATTERN,
    Email,
    Id,
    Input,
    Output,
    SingleLine,
)
from booking.schemas.hubs import Postcode
from booking.schemas.users import UserRead

Urn = Annotated[
    int,
    msgspec.Meta(
        ge=100_000,
        le=999_999_999,
        description="The DfE's Unique Reference Number",
        examples=[100000],
    ),
]
ShortLine = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=SINGLE_LINE_PATTERN)]


class SchoolCreate(Input):
    urn: Urn
    name: SingleLine
    local_authority: ShortLine
    phase: ShortLine
    postcode: Postcode


class SchoolUpdate(Input):
    """admin: both; the school's school_leads: approval_required only."""

    approval_required: bool | msgspec.UnsetType = msgspec.UNSET
    hub_id: Id | msgspec.UnsetType | None = msgspec.UNSET


class SchoolRead(Output):
    id: str
    urn: int
    name: str
    local_authority: str
    phase: str
    postcode: str
    status: str
    approval_required: bool
    hub_id: str | None
    created_at: datetime
    updated_at: datetime


class SchoolPage(Output):
    items: list[SchoolRead]
    next_cursor: str | None


class StaffMember(Output):
    id: str
    name: str
    email: str
    job_role: JobRole | None
    # Marked attended at every session of some cohort.
    trained: bool
    # Confirmed, offered, waitlisted or pending approval.
    active_bookings: int


class StaffList(Output):
    items: list[StaffMember]


class StaffAdd(Input):
    email: Email
    name: SingleLine
    job_role: JobRole | None = None


class StaffAdded(Output):
    user: UserRead


class JobRoleProgress(Output):
    staff: int
    trained: int


class SchoolProgress(Output):
    """Each person counts once in each of trained, booked and waiting that is true of them;
    not_started: none of the three."""

    staff: int
    trained: int
    booked: int
    waiting: int
    not_started: int
    # By JobRole value; people who gave none under "unknown".
    by_job_role: dict[str, JobRoleProgress]


class SchoolBrief(Output):
    id: str
    urn: int
    name: str
    local_authority: str


class HubSchoolProgress(Output):
    school: SchoolBrief
    staff: int
    trained: int
    booked: int


class HubProgress(Output):
    items: list[HubSchoolProgress]


class BookingReject(Input):
    """The reason is mailed to the teacher."""

    reason: Annotated[
        str, msgspec.Meta(min_length=1, max_length=2000, pattern=FILLED_MULTI_LINE_PATTERN)
    ]


class ApprovalTeacher(Output):
    id: str
    name: str
    email: str
    job_role: JobRole | None


class Approval(Output):
    booking: BookingRead
    teacher: ApprovalTeacher
    course_title: str
    sessions: list[SessionRead]
    # How many of the sessions fall in the school day: the cover the school must arrange.
    sessions_during_school_day: int


class ApprovalList(Output):
    items: list[Approval]
