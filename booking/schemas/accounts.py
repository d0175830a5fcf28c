"""The audit log as read, and the export of everything held about a person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from booking.models.enums import AttendanceStatus, BookingStatus
from booking.schemas.common import Output
from booking.schemas.timetables import TimetableRead
from booking.schemas.users import TokenInfo, UserRead


class AuditRead(Output):
    id: str
    at: datetime
    actor_id: str
    actor_role: str
    action: str
    entity: str
    entity_id: str | None
    hub_id: str | None
    # create: {field: value}; update: {field: [old, new]}; delete: {field: old value}.
    changes: dict[str, Any]


class AuditPage(Output):
    items: list[AuditRead]
    next_cursor: str | None


class ExportSession(Output):
    id: str
    starts_at: datetime
    ends_at: datetime
    status: str
    venue: str
    attendance: AttendanceStatus | None


class ExportBooking(Output):
    id: str
    cohort_id: str
    course_title: str
    status: BookingStatus
    late: bool
    created_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    sessions: list[ExportSession]


class ExportEntry(Output):
    starts_at: datetime
    ends_at: datetime
    summary: str


class ExportTimetable(Output):
    summary: TimetableRead
    # What was given: the weekly form, the linked URL, or the uploaded calendar's text.
    weekly: dict[str, Any] | None
    url: str | None
    ics: str | None
    # Its occurrences from 30 days ago to a year ahead.
    entries: list[ExportEntry]


class ExportMail(Output):
    kind: str
    subject: str
    status: str
    created_at: datetime
    sent_at: datetime | None


class AccountExport(Output):
    exported_at: datetime
    user: UserRead
    bookings: list[ExportBooking]
    timetable: ExportTimetable | None
    tokens: list[TokenInfo]
    mails: list[ExportMail]
    # Changes to the account, and changes this person made (as an admin, hub admin, trainer).
    audit: list[AuditRead]
