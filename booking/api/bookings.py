"""A teacher's bookings, and answering offers."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from booking.api.deps import CurrentActor, Cursor, DbSession, Limit
from booking.api.problems import problems
from booking.auth import requires_user
from booking.schemas.bookings import BookingPage, BookingRead
from booking.services.bookings import BookingService


class BookingController(Controller):
    path = "/api/v1"
    tags = ["bookings"]  # noqa: RUF012 - Litestar's declared attribute
    guards = [requires_user]  # noqa: RUF012 - Litestar's declared attribute

    @get("/me/bookings", operation_id="listMyBookings", responses=problems(400, 401))
    async def mine(
        self,
        actor: CurrentActor,
        db_session: DbSession,
        booking_service: NamedDependency[BookingService],
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> BookingPage:
        return await booking_service.mine(db_session, actor, limit=limit, cursor=cursor)

    @get("/bookings/{booking_id:str}", operation_id="getBooking", responses=problems(401, 404))
    async def get_booking(
        self,
        booking_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        booking_service: NamedDependency[BookingService],
    ) -> BookingRead:
        return await booking_service.get(db_session, actor, booking_id)

    @delete(
        "/bookings/{booking_id:str}",
        status_code=200,
        operation_id="cancelBooking",
        responses=problems(401, 404),
    )
    async def cancel(
        self,
        booking_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        booking_service: NamedDependency[BookingService],
    ) -> BookingRead:
        """200 with status cancelled and `late`; cancelling twice changes nothing."""
        return await booking_service.cancel(db_session, actor, booking_id)

    @post(
        "/bookings/{booking_id:str}/accept",
        status_code=200,
        operation_id="acceptOffer",
        responses=problems(401, 403, 404, 409),
    )
    async def accept(
        self,
        booking_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        booking_service: NamedDependency[BookingService],
    ) -> BookingRead:
        return await booking_service.accept(db_session, actor, booking_id)

    @post(
        "/bookings/{booking_id:str}/decline",
        status_code=200,
        operation_id="declineOffer",
        responses=problems(401, 403, 404, 409),
    )
    async def decline(
        self,
        booking_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        booking_service: NamedDependency[BookingService],
    ) -> BookingRead:
        return await booking_service.decline(db_session, actor, booking_id)
