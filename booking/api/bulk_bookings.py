"""Booking several staff on a cohort at once (docs/contract.md, Schools and staff)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from booking.api.cohorts import IdempotencyKey
from booking.api.deps import CurrentActor, DbSession
from booking.api.problems import problems
from booking.auth import requires_user
from booking.errors import ValidationError
from booking.schemas.bookings import BulkBookingCreate, BulkBookingRead
from booking.services.bulk_bookings import BulkBookingService


class BulkBookingController(Controller):
    path = "/api/v1/cohorts/{cohort_id:str}/bookings/bulk"
    tags = ["bookings"]  # noqa: RUF012 - Litestar's declared attribute

    @post(
        "",
        status_code=200,
        operation_id="bookStaff",
        guards=[requires_user],
        responses=problems(400, 401, 403, 404, 409, 413, 415),
    )
    async def book_staff(  # noqa: PLR0917 - the request, its key and the service
        self,
        cohort_id: FromPath[str],
        data: JSONBody[BulkBookingCreate],
        actor: CurrentActor,
        db_session: DbSession,
        bulk_booking_service: NamedDependency[BulkBookingService],
        idempotency_key: IdempotencyKey = None,
    ) -> BulkBookingRead:
        """A school_lead books staff of their school (admins: anyone), in request order, each
        as if they had booked themselves; per-person results. 409 booking_closed or 404 for the
        cohort fail the whole request."""
        if idempotency_key is not None and not idempotency_key.isprintable():
            raise ValidationError.field("Idempotency-Key", "must be printable text")
        return await bulk_booking_service.book(db_session, actor, cohort_id, data, idempotency_key)
