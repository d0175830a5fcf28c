"""Every mapped table, imported here so Alembic and the app see the whole schema."""

from booking.models.accounts import AuditEvent, RateLimitCounter
from booking.models.base import Base
from booking.models.bookings import Attendance, Booking, IdempotencyRecord
from booking.models.calendars import FeedMark, FeedToken, Timetable, TimetableEntry
from booking.models.cohorts import Cohort, TrainingSession
from booking.models.courses import Course, CourseNeedArea
from booking.models.enums import (
    Accessibility,
    AttendanceStatus,
    BookingStatus,
    CohortStatus,
    JobRole,
    NeedArea,
    Role,
    SessionStatus,
    TokenKind,
    WaitlistMode,
    accessibility_words,
)
from booking.models.hubs import Hub, Venue
from booking.models.outbox import DueWork, OutboxEvent
from booking.models.schools import School
from booking.models.trainers import AvailabilityException, TrainerAvailability
from booking.models.users import ApiToken, EmailCode, User

__all__ = [
    "Accessibility",
    "ApiToken",
    "Attendance",
    "AttendanceStatus",
    "AuditEvent",
    "AvailabilityException",
    "Base",
    "Booking",
    "BookingStatus",
    "Cohort",
    "CohortStatus",
    "Course",
    "CourseNeedArea",
    "DueWork",
    "EmailCode",
    "FeedMark",
    "FeedToken",
    "Hub",
    "IdempotencyRecord",
    "JobRole",
    "NeedArea",
    "OutboxEvent",
    "RateLimitCounter",
    "Role",
    "School",
    "SessionStatus",
    "Timetable",
    "TimetableEntry",
    "TokenKind",
    "TrainerAvailability",
    "TrainingSession",
    "User",
    "Venue",
    "WaitlistMode",
    "accessibility_words",
]
