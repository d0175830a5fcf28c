"""Trainer availability and free slots."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from booking.api.deps import CurrentActor, DbSession, query_datetime, query_duration
from booking.api.problems import problems
from booking.auth import requires_user
from booking.schemas.trainers import AvailabilityRead, AvailabilityWrite, SlotList
from booking.services.availability import AvailabilityService


class TrainerController(Controller):
    path = "/api/v1/trainers/{trainer_id:str}"
    tags = ["trainers"]  # noqa: RUF012 - Litestar's declared attribute
    guards = [requires_user]  # noqa: RUF012 - Litestar's declared attribute

    @put(
        "/availability", operation_id="putAvailability", responses=problems(400, 401, 404, 413, 415)
    )
    async def put_availability(
        self,
        trainer_id: FromPath[str],
        data: JSONBody[AvailabilityWrite],
        actor: CurrentActor,
        db_session: DbSession,
        availability_service: NamedDependency[AvailabilityService],
    ) -> AvailabilityRead:
        """Replace weekly wall-clock availability (in `timezone`) and exceptions."""
        return await availability_service.put(db_session, actor, trainer_id, data)

    @get("/availability", operation_id="getAvailability", responses=problems(401, 404))
    async def get_availability(
        self,
        trainer_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        availability_service: NamedDependency[AvailabilityService],
    ) -> AvailabilityRead:
        return await availability_service.get(db_session, actor, trainer_id)

    @get("/free-slots", operation_id="getFreeSlots", responses=problems(400, 401, 404))
    async def free_slots(  # noqa: PLR0917 - three required query parameters
        self,
        trainer_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        availability_service: NamedDependency[AvailabilityService],
        start: Annotated[str, QueryParameter(name="from", max_length=64, description="RFC 3339")],
        end: Annotated[str, QueryParameter(name="to", max_length=64, description="RFC 3339")],
        duration: Annotated[str, QueryParameter(max_length=64, description="ISO 8601, e.g. PT2H")],
    ) -> SlotList:
        return await availability_service.free_slots(
            db_session,
            actor,
            trainer_id,
            start=query_datetime(start, "from"),
            end=query_datetime(end, "to"),
            duration=query_duration(duration, "duration"),
        )
