from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from booking.models.enums import BookingStatus
from booking.schemas.common import Id, Input, Output


class BookingCreate(Input):
    accept_clashes: bool = False


class Clash(Output):
    summary: str
    starts_at: datetime
    ends_at: datetime
    session_id: str


class BookingRead(Output):
    id: str
    cohort_id: str
    teacher_id: str
    status: BookingStatus
    waitlist_position: int | None
    offer_expires_at: datetime | None
    late: bool
    clashes: list[Clash]
    created_at: datetime
    updated_at: datetime
    # "school_cap": waiting because the teacher's school holds its share of the cohort (its
    # max_per_school); None otherwise.
    waitlist_reason: str | None = None
    # Set while the booking is pending_approval: the seat is released then if unanswered.
    approval_expires_at: datetime | None = None


class BookingPage(Output):
    items: list[BookingRead]
    next_cursor: str | None


class BulkBookingCreate(Input):
    """POST /cohorts/{id}/bookings/bulk: staff booked in this order, as if each booked alone."""

    teacher_ids: Annotated[list[Id], msgspec.Meta(min_length=1, max_length=200)]
    accept_clashes: bool = False


class BulkProblem(Output):
    code: str
    detail: str


class BulkResult(Output):
    teacher_id: str
    booking: BookingRead | None
    problem: BulkProblem | None


class BulkBookingRead(Output):
    results: list[BulkResult]
