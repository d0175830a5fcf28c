"""A school answering its staff's own bookings (docs/contract.md, Booking for staff: approval)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from booking.api.deps import CurrentActor, DbSession
from booking.api.problems import problems
from booking.auth import requires_user
from booking.schemas.bookings import BookingRead
from booking.schemas.schools import ApprovalList, BookingReject
from booking.services.approvals import ApprovalService

Approvals = NamedDependency[ApprovalService]


class ApprovalController(Controller):
    path = "/api/v1"
    tags = ["schools"]  # noqa: RUF012 - Litestar's declared attribute

    @post(
        "/bookings/{booking_id:str}/approve",
        status_code=200,
        operation_id="approveBooking",
        guards=[requires_user],
        responses=problems(401, 403, 404, 409),
    )
    async def approve(
        self,
        booking_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        approval_service: Approvals,
    ) -> BookingRead:
        """A lead of the teacher's school: confirmed (mails and invites as a confirmation);
        409 not_pending when it is not (or no longer) waiting."""
        return await approval_service.approve(db_session, actor, booking_id)

    @post(
        "/bookings/{booking_id:str}/reject",
        status_code=200,
        operation_id="rejectBooking",
        guards=[requires_user],
        responses=problems(400, 401, 403, 404, 409, 413, 415),
    )
    async def reject(
        self,
        booking_id: FromPath[str],
        data: JSONBody[BookingReject],
        actor: CurrentActor,
        db_session: DbSession,
        approval_service: Approvals,
    ) -> BookingRead:
        """Cancelled, the seat passed on; the teacher is mailed the reason."""
        return await approval_service.reject(db_session, actor, booking_id, data.reason)

    @get(
        "/schools/{school_id:str}/approvals",
        operation_id="listSchoolApprovals",
        guards=[requires_user],
        responses=problems(401, 403, 404),
    )
    async def list_approvals(
        self,
        school_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        approval_service: Approvals,
    ) -> ApprovalList:
        """The school's bookings waiting for its answer, with each session's
        during_school_day (its leads, admins)."""
        return await approval_service.list(db_session, actor, school_id)
