"""A teacher's timetable and busy times."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, put
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import QueryParameter

from booking.api.deps import CurrentActor, DbSession, query_datetime, runtime_of
from booking.api.json_body import decode_object
from booking.api.problems import body_error, problems
from booking.auth import requires_user
from booking.schemas.timetables import BusyList, LinkedTimetable, TimetableRead, WeeklyTimetable
from booking.services.timetables import TimetableService

ICS_LIMIT = 1024 * 1024
JSON_LIMIT = 64 * 1024
ACCEPTED = ("text/calendar", "application/json")


class TimetableController(Controller):
    path = "/api/v1/me"
    tags = ["calendars"]  # noqa: RUF012 - Litestar's declared attribute
    guards = [requires_user]  # noqa: RUF012 - Litestar's declared attribute

    @put(
        "/timetable",
        operation_id="putTimetable",
        request_max_body_size=ICS_LIMIT,
        opt={"media_types": ACCEPTED},
        responses=problems(400, 401, 413, 415),
    )
    async def put_timetable(
        self,
        request: Request[Any, Any, Any],
        actor: CurrentActor,
        db_session: DbSession,
        timetable_service: NamedDependency[TimetableService],
    ) -> TimetableRead:
        """text/calendar (at most 1 MiB), or JSON: {weekly, timezone, terms?} or {url}."""
        body = await request.body()
        if request.content_type[0] == "text/calendar":
            return await timetable_service.put_ics(db_session, actor, body)
        if len(body) > JSON_LIMIT:
            raise HTTPException(status_code=413, detail="JSON bodies are limited to 64 KiB")
        raw = decode_object(body)
        try:
            if "url" in raw:
                linked = msgspec.convert(raw, LinkedTimetable)
                allow = runtime_of(request.app.state).settings.timetable.allow_private_urls
                return await timetable_service.put_url(
                    db_session, actor, linked, allow_private=allow
                )
            weekly = msgspec.convert(raw, WeeklyTimetable)
        except msgspec.ValidationError as exc:
            raise body_error(exc) from exc
        return await timetable_service.put_weekly(db_session, actor, weekly)

    @get("/timetable", operation_id="getTimetable", responses=problems(401))
    async def get_timetable(
        self,
        actor: CurrentActor,
        db_session: DbSession,
        timetable_service: NamedDependency[TimetableService],
    ) -> TimetableRead:
        return await timetable_service.get(db_session, actor)

    @delete("/timetable", operation_id="deleteTimetable", responses=problems(401))
    async def delete_timetable(
        self,
        actor: CurrentActor,
        db_session: DbSession,
        timetable_service: NamedDependency[TimetableService],
    ) -> None:
        await timetable_service.delete(db_session, actor)

    @get("/busy", operation_id="getBusy", responses=problems(400, 401))
    async def busy(
        self,
        actor: CurrentActor,
        db_session: DbSession,
        timetable_service: NamedDependency[TimetableService],
        start: Annotated[str, QueryParameter(name="from", max_length=64)],
        end: Annotated[str, QueryParameter(name="to", max_length=64)],
    ) -> BusyList:
        return await timetable_service.busy(
            db_session, actor, query_datetime(start, "from"), query_datetime(end, "to")
        )
