"""Cohorts, their sessions, rosters and bookings."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from booking.api.deps import CurrentActor, Cursor, DbSession, Limit, MaybeActor, query_datetime
from booking.api.openapi import OptionalJsonBody
from booking.api.problems import problems
from booking.auth import requires_role, requires_user
from booking.errors import UnauthorizedError, ValidationError
from booking.models import NeedArea, Role
from booking.models.enums import BOOKING_ROLES
from booking.schemas.bookings import BookingCreate, BookingRead
from booking.schemas.cohorts import (
    CohortCancel,
    CohortCreate,
    CohortPage,
    CohortRead,
    CohortUpdate,
    RosterRead,
    SchedulingProblem,
    SeriesProblem,
    SessionCreate,
    SessionList,
    SessionRead,
    SessionSeriesCreate,
)
from booking.services.bookings import BookingService
from booking.services.cohorts import CohortService
from booking.services.roster import RosterService
from booking.services.session_series import SessionSeriesService
from booking.services.sessions import SessionService

HubManagers = [requires_role(Role.ADMIN, Role.HUB_ADMIN)]
WRITE = problems(400, 401, 403, 404, 409, 413, 415)
# Writes that place sessions: their 409s name what is in the way and suggest free times.
SCHEDULING = problems(400, 401, 403, 404, 409, 413, 415, bodies={409: SchedulingProblem})
OptionalText = Annotated[str | None, QueryParameter(max_length=64)]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key", max_length=200, description="Retry-safe booking (24 h)"
    ),
]


class CohortController(Controller):
    path = "/api/v1/cohorts"
    tags = ["cohorts and sessions"]  # noqa: RUF012 - Litestar's declared attribute

    @post("", operation_id="createCohort", guards=HubManagers, responses=WRITE)
    async def create(
        self,
        data: JSONBody[CohortCreate],
        actor: CurrentActor,
        db_session: DbSession,
        cohort_service: NamedDependency[CohortService],
    ) -> CohortRead:
        return await cohort_service.create(db_session, actor, data)

    @get("", operation_id="listCohorts", responses=problems(400, 401))
    async def list_cohorts(  # noqa: PLR0917 - the public filters of docs/contract.md
        self,
        db_session: DbSession,
        maybe_actor: MaybeActor,
        cohort_service: NamedDependency[CohortService],
        hub_id: OptionalText = None,
        course_id: OptionalText = None,
        need_area: Annotated[NeedArea | None, QueryParameter()] = None,
        start: Annotated[str | None, QueryParameter(name="from", max_length=64)] = None,
        end: Annotated[str | None, QueryParameter(name="to", max_length=64)] = None,
        has_seats: Annotated[bool | None, QueryParameter()] = None,
        fits_my_timetable: Annotated[bool, QueryParameter()] = False,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> CohortPage:
        """Published cohorts; fits_my_timetable (a signed-in teacher) drops clashing ones."""
        if fits_my_timetable and maybe_actor is None:
            raise UnauthorizedError("fits_my_timetable needs a teacher's API token")
        if fits_my_timetable and maybe_actor is not None and maybe_actor.role not in BOOKING_ROLES:
            raise ValidationError.field("fits_my_timetable", "is for teachers")
        return await cohort_service.search(
            db_session,
            hub_id=hub_id,
            course_id=course_id,
            need_area=need_area,
            start=query_datetime(start, "from") if start else None,
            end=query_datetime(end, "to") if end else None,
            has_seats=has_seats,
            clash_free_for=maybe_actor.id if fits_my_timetable and maybe_actor else None,
            limit=limit,
            cursor=cursor,
        )

    @get("/{cohort_id:str}", operation_id="getCohort", responses=problems(401, 404))
    async def get_cohort(
        self,
        cohort_id: FromPath[str],
        maybe_actor: MaybeActor,
        db_session: DbSession,
        cohort_service: NamedDependency[CohortService],
    ) -> CohortRead:
        return await cohort_service.get(db_session, maybe_actor, cohort_id)

    @patch(
        "/{cohort_id:str}", operation_id="updateCohort", guards=HubManagers, responses=SCHEDULING
    )
    async def update(
        self,
        cohort_id: FromPath[str],
        data: JSONBody[CohortUpdate],
        actor: CurrentActor,
        db_session: DbSession,
        cohort_service: NamedDependency[CohortService],
    ) -> CohortRead:
        return await cohort_service.update(db_session, actor, cohort_id, data)

    @post(
        "/{cohort_id:str}/publish",
        status_code=200,
        operation_id="publishCohort",
        guards=HubManagers,
        responses=WRITE,
    )
    async def publish(
        self,
        cohort_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        cohort_service: NamedDependency[CohortService],
    ) -> CohortRead:
        return await cohort_service.publish(db_session, actor, cohort_id)

    @post(
        "/{cohort_id:str}/cancel",
        status_code=200,
        operation_id="cancelCohort",
        guards=HubManagers,
        responses=WRITE,
    )
    async def cancel(
        self,
        cohort_id: FromPath[str],
        data: JSONBody[CohortCancel],
        actor: CurrentActor,
        db_session: DbSession,
        cohort_service: NamedDependency[CohortService],
    ) -> CohortRead:
        return await cohort_service.cancel(db_session, actor, cohort_id, data)

    @post(
        "/{cohort_id:str}/sessions",
        operation_id="addSession",
        guards=HubManagers,
        responses=SCHEDULING,
    )
    async def add_session(
        self,
        cohort_id: FromPath[str],
        data: JSONBody[SessionCreate],
        actor: CurrentActor,
        db_session: DbSession,
        session_service: NamedDependency[SessionService],
    ) -> SessionRead:
        return await session_service.add(db_session, actor, cohort_id, data)

    @post(
        "/{cohort_id:str}/sessions/series",
        operation_id="addSessionSeries",
        guards=HubManagers,
        responses=problems(400, 401, 403, 404, 409, 413, 415, bodies={409: SeriesProblem}),
    )
    async def add_session_series(
        self,
        cohort_id: FromPath[str],
        data: JSONBody[SessionSeriesCreate],
        actor: CurrentActor,
        db_session: DbSession,
        session_series_service: NamedDependency[SessionSeriesService],
    ) -> SessionList:
        """Weekly or fortnightly on the venue's wall clock; all or nothing."""
        return await session_series_service.add_series(db_session, actor, cohort_id, data)

    @get(
        "/{cohort_id:str}/roster",
        operation_id="getRoster",
        guards=[requires_user],
        responses=problems(401, 404),
    )
    async def roster(
        self,
        cohort_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        roster_service: NamedDependency[RosterService],
    ) -> RosterRead:
        return await roster_service.roster(db_session, actor, cohort_id)

    @get(
        "/{cohort_id:str}/roster.csv",
        operation_id="getRosterCsv",
        guards=[requires_user],
        media_type="text/csv",
        responses=problems(401, 404),
    )
    async def roster_csv(
        self,
        cohort_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        roster_service: NamedDependency[RosterService],
    ) -> Response[str]:
        text = await roster_service.roster_csv(db_session, actor, cohort_id)
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="roster-{cohort_id[:32]}.csv"'},
        )

    @post(
        "/{cohort_id:str}/bookings",
        operation_id="bookCohort",
        operation_class=OptionalJsonBody,
        guards=[requires_user],
        responses=problems(400, 401, 403, 404, 409, 413, 415),
    )
    async def book(  # noqa: PLR0917 - the request, its key and the service
        self,
        cohort_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        booking_service: NamedDependency[BookingService],
        idempotency_key: IdempotencyKey = None,
        data: JSONBody[BookingCreate | None] = None,
    ) -> Response[Any]:
        """201 confirmed or waitlisted; 200 when a waitlisted teacher takes a free seat."""
        if idempotency_key is not None and not idempotency_key.isprintable():
            raise ValidationError.field("Idempotency-Key", "must be printable text")
        result = await booking_service.book(
            db_session, actor, cohort_id, data or BookingCreate(), idempotency_key
        )
        body: BookingRead = result.body
        return Response(body, status_code=result.status_code)
