"""One error hierarchy for every rule the service enforces.

Each class carries its HTTP status and a stable `code` (docs/contract.md, Errors);
booking.api.problems renders them as RFC 9457 problem+json. Controllers never catch these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "domain_error"
    title: ClassVar[str] = "The request breaks a rule"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[Mapping[str, str]] = (),
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


class ValidationError(DomainError):
    status = 400
    code = "validation_error"
    title = "The request is not valid"

    @classmethod
    def field(cls, field: str, message: str) -> ValidationError:
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message}])


class InvalidCodeError(DomainError):
    status = 400
    code = "invalid_code"
    title = "The sign-in code is not valid"


class UnauthorizedError(DomainError):
    status = 401
    code = "unauthorized"
    title = "Sign in first"


class ForbiddenError(DomainError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class NotFoundError(DomainError):
    status = 404
    code = "not_found"
    title = "Not found"


class ConflictError(DomainError):
    status = 409
    code = "conflict"
    title = "The request conflicts with the current state"


class VenueInUseError(ConflictError):
    code = "venue_in_use"
    title = "The venue has future sessions"


class EmailTakenError(ConflictError):
    code = "email_taken"
    title = "A user with this email address exists"


class RateLimitedError(DomainError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_seconds))})


class MailUnavailableError(DomainError):
    status = 503
    code = "mail_unavailable"
    title = "Mail cannot be sent right now"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "60"})


class CapacityExceedsVenueError(ConflictError):
    code = "capacity_exceeds_venue"
    title = "The cohort is larger than the venue"


class CapacityBelowBookingsError(ConflictError):
    code = "capacity_below_bookings"
    title = "More seats are taken than the new capacity"


class TrainerUnavailableError(ConflictError):
    code = "trainer_unavailable"
    title = "The trainer is not available then"


class TrainerDoubleBookedError(ConflictError):
    code = "trainer_double_booked"
    title = "The trainer has another session then"


class VenueDoubleBookedError(ConflictError):
    code = "venue_double_booked"
    title = "The venue has another session then"


class CohortHasNoSessionsError(ConflictError):
    code = "cohort_has_no_sessions"
    title = "The cohort has no future session"


class CohortCancelledError(ConflictError):
    code = "cohort_cancelled"
    title = "The cohort is cancelled"


class SessionCancelledError(ConflictError):
    code = "session_cancelled"
    title = "The session is cancelled"


class AttendanceNotOpenError(ConflictError):
    code = "attendance_not_open"
    title = "Attendance opens 30 minutes before the session"


class BookingClosedError(ConflictError):
    code = "booking_closed"
    title = "The cohort is not open for booking"


class AlreadyBookedError(ConflictError):
    code = "already_booked"
    title = "You already have a booking for this cohort"


class TimetableClashError(ConflictError):
    code = "timetable_clash"
    title = "A session clashes with your timetable"


class BookingClashError(ConflictError):
    code = "booking_clash"
    title = "A session overlaps another session you are booked on"


class WaitlistFullError(ConflictError):
    code = "waitlist_full"
    title = "The cohort and its waitlist are full"


class OfferExpiredError(ConflictError):
    code = "offer_expired"
    title = "The offer has expired"


class NotOfferedError(ConflictError):
    code = "not_offered"
    title = "The booking has no open offer"


class IdempotencyKeyReuseError(ConflictError):
    code = "idempotency_key_reuse"
    title = "The Idempotency-Key was used for another request"


class AlreadySentError(ConflictError):
    code = "already_sent"
    title = "The mail was sent already"


class InvalidCalendarError(DomainError):
    status = 400
    code = "invalid_calendar"
    title = "The calendar cannot be read"


class CalendarTooLargeError(DomainError):
    status = 400
    code = "calendar_too_large"
    title = "The calendar is too large"


class UrlNotAllowedError(DomainError):
    status = 400
    code = "url_not_allowed"
    title = "This address may not be fetched"


class UrlUnreachableError(DomainError):
    status = 400
    code = "url_unreachable"
    title = "The calendar could not be fetched"


class UrnTakenError(ConflictError):
    code = "urn_taken"
    title = "A school with this URN exists"


class NotPendingError(ConflictError):
    code = "not_pending"
    title = "The booking is not waiting for approval"


class OtherSchoolError(ConflictError):
    code = "other_school"
    title = "This person is at another school"
