"""Dependencies shared by the controllers: the db_session, the caller, services, list params."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from booking.audit import CONTEXT_KEY, AuditContext
from booking.auth import current_actor
from booking.errors import UnauthorizedError, ValidationError
from booking.runtime import Runtime
from booking.services.actor import Actor
from booking.services.approvals import ApprovalService
from booking.services.audit_log import AuditLogService
from booking.services.auth import AuthService
from booking.services.availability import AvailabilityService
from booking.services.bookings import BookingService
from booking.services.bulk_bookings import BulkBookingService
from booking.services.cohorts import CohortService
from booking.services.courses import CourseService
from booking.services.feeds import FeedService
from booking.services.hubs import HubService, VenueService
from booking.services.privacy import PrivacyService
from booking.services.progress import ProgressService
from booking.services.roster import RosterService
from booking.services.school_staff import StaffService
from booking.services.schools import SchoolService
from booking.services.session_series import SessionSeriesService
from booking.services.sessions import SessionService
from booking.services.timetables import TimetableService
from booking.services.tokens import TokenService
from booking.services.user_admin import UserAdminService
from booking.services.users import UserService
from booking.services.validation import require_plausible

DbSession = NamedDependency[AsyncSession]
CurrentActor = NamedDependency[Actor]
MaybeActor = NamedDependency[Actor | None]
TokenServiceDep = NamedDependency[TokenService]
Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Page size, 1 to 200")]
Cursor = Annotated[
    str | None, QueryParameter(max_length=200, description="next_cursor of the previous page")
]


def runtime_of(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


async def provide_db_session(
    state: State, request: Request[Any, Any, Any]
) -> AsyncIterator[AsyncSession]:
    """The request's session, carrying its caller for the audit log (booking.audit)."""
    runtime = runtime_of(state)
    async with runtime.sessionmaker() as db_session:
        db_session.info[CONTEXT_KEY] = AuditContext(current_actor(request), runtime.clock)
        yield db_session


def provide_optional_actor(request: Request[Any, Any, Any]) -> Actor | None:
    return current_actor(request)


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    actor = current_actor(request)
    if actor is None:
        raise UnauthorizedError("this needs an API token")
    return actor


def _service(factory: type[Any]) -> Provide:
    def provide(state: State) -> Any:  # noqa: ANN401 - one provider for every service class
        return factory(runtime_of(state).clock)

    return Provide(provide, sync_to_thread=False)


def provide_feed_service(state: State) -> FeedService:
    runtime = runtime_of(state)
    return FeedService(
        runtime.clock,
        runtime.secret_key,
        runtime.settings.server.base_url,
        runtime.rendered_feeds,
    )


def provide_timetable_service(state: State) -> TimetableService:
    runtime = runtime_of(state)
    return TimetableService(runtime.clock, runtime.calendar_import)


def provide_token_service(state: State) -> TokenService:
    runtime = runtime_of(state)
    return TokenService(runtime.clock, runtime.settings.accounts)


def provide_user_service(state: State) -> UserService:
    runtime = runtime_of(state)
    return UserService(runtime.clock, runtime.settings.accounts)


def provide_privacy_service(state: State) -> PrivacyService:
    runtime = runtime_of(state)
    return PrivacyService(runtime.clock, runtime.settings.accounts, runtime.deliveries)


def provide_auth_service(state: State) -> AuthService:
    runtime = runtime_of(state)
    return AuthService(runtime.clock, runtime.mailer, runtime.settings.accounts, runtime.limits)


DEPENDENCIES = {
    "db_session": Provide(provide_db_session),
    "actor": Provide(provide_actor, sync_to_thread=False),
    "maybe_actor": Provide(provide_optional_actor, sync_to_thread=False),
    "cohort_service": _service(CohortService),
    "session_service": _service(SessionService),
    "session_series_service": _service(SessionSeriesService),
    "booking_service": _service(BookingService),
    "bulk_booking_service": _service(BulkBookingService),
    "approval_service": _service(ApprovalService),
    "roster_service": _service(RosterService),
    "timetable_service": Provide(provide_timetable_service, sync_to_thread=False),
    "feed_service": Provide(provide_feed_service, sync_to_thread=False),
    "auth_service": Provide(provide_auth_service, sync_to_thread=False),
    "user_service": Provide(provide_user_service, sync_to_thread=False),
    "token_service": Provide(provide_token_service, sync_to_thread=False),
    "user_admin_service": _service(UserAdminService),
    "privacy_service": Provide(provide_privacy_service, sync_to_thread=False),
    "audit_log_service": Provide(AuditLogService, sync_to_thread=False),
    "hub_service": _service(HubService),
    "school_service": _service(SchoolService),
    "staff_service": _service(StaffService),
    "progress_service": _service(ProgressService),
    "venue_service": _service(VenueService),
    "course_service": _service(CourseService),
    "availability_service": _service(AvailabilityService),
}

# A '+' in a query string decodes to a space; "…T16:00:00 01:00" was meant as "+01:00".
_SPACE_OFFSET = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:\d{2})$")


def query_datetime(value: str, field: str) -> datetime:
    """An RFC 3339 datetime from a query parameter; naive ones are refused."""
    text = _SPACE_OFFSET.sub(r"\1+\2", value.strip())
    try:
        parsed = msgspec.convert(text, datetime)
    except msgspec.ValidationError:
        raise ValidationError.field(
            field, "must be an RFC 3339 datetime, e.g. 2027-03-04T16:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise ValidationError.field(field, "needs an offset, e.g. Z or +01:00")
    require_plausible(parsed, field)
    return parsed


def query_duration(value: str, field: str) -> timedelta:
    try:
        return msgspec.convert(value.strip(), timedelta)
    except msgspec.ValidationError:
        raise ValidationError.field(
            field, "must be an ISO 8601 duration, e.g. PT2H or P1D"
        ) from None
