"""Rescheduling and cancelling sessions; attendance."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from booking.api.deps import CurrentActor, DbSession
from booking.api.problems import problems
from booking.auth import requires_role, requires_user
from booking.models import Role
from booking.schemas.cohorts import (
    AttendanceRead,
    AttendanceWrite,
    SchedulingProblem,
    SessionRead,
    SessionUpdate,
)
from booking.services.roster import RosterService
from booking.services.sessions import SessionService

HubManagers = [requires_role(Role.ADMIN, Role.HUB_ADMIN)]


class SessionController(Controller):
    path = "/api/v1/sessions/{session_id:str}"
    tags = ["cohorts and sessions"]  # noqa: RUF012 - Litestar's declared attribute

    @patch(
        "",
        operation_id="rescheduleSession",
        guards=HubManagers,
        responses=problems(400, 401, 403, 404, 409, 413, 415, bodies={409: SchedulingProblem}),
    )
    async def reschedule(
        self,
        session_id: FromPath[str],
        data: JSONBody[SessionUpdate],
        actor: CurrentActor,
        db_session: DbSession,
        session_service: NamedDependency[SessionService],
    ) -> SessionRead:
        """Same checks as adding; sequence + 1."""
        return await session_service.reschedule(db_session, actor, session_id, data)

    @delete(
        "",
        status_code=200,
        operation_id="cancelSession",
        guards=HubManagers,
        responses=problems(401, 403, 404),
    )
    async def cancel(
        self,
        session_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        session_service: NamedDependency[SessionService],
    ) -> SessionRead:
        return await session_service.cancel(db_session, actor, session_id)

    @put(
        "/attendance",
        operation_id="recordAttendance",
        guards=[requires_user],
        responses=problems(400, 401, 404, 409, 413, 415),
    )
    async def record_attendance(
        self,
        session_id: FromPath[str],
        data: JSONBody[AttendanceWrite],
        actor: CurrentActor,
        db_session: DbSession,
        roster_service: NamedDependency[RosterService],
    ) -> AttendanceRead:
        return await roster_service.record_attendance(db_session, actor, session_id, data)

    @get(
        "/attendance",
        operation_id="getAttendance",
        guards=[requires_user],
        responses=problems(401, 404),
    )
    async def attendance(
        self,
        session_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        roster_service: NamedDependency[RosterService],
    ) -> AttendanceRead:
        return await roster_service.attendance(db_session, actor, session_id)
