"""One error hierarchy for every rule the service enforces.

Each class carries its HTTP status and a stable `code` (API.md); booking.api.problems renders
them as RFC 9457 problem+json. Controllers never catch these.
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
