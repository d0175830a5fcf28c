"""Training progress of schools, for a school and for a hub
(docs/contract.md, Schools and staff)."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from booking.api.deps import CurrentActor, DbSession
from booking.api.problems import problems
from booking.auth import requires_user
from booking.schemas.schools import HubProgress, SchoolProgress
from booking.services.progress import ProgressService

Progress = NamedDependency[ProgressService]


class SchoolProgressController(Controller):
    path = "/api/v1/schools/{school_id:str}/progress"
    tags = ["schools"]  # noqa: RUF012 - Litestar's declared attribute

    @get(
        "",
        operation_id="getSchoolProgress",
        guards=[requires_user],
        responses=problems(401, 403, 404),
    )
    async def school_progress(
        self,
        school_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        progress_service: Progress,
    ) -> SchoolProgress:
        """Its school_leads, the hub_admins and trainers of its hub, admins."""
        return await progress_service.school(db_session, actor, school_id)


class HubProgressController(Controller):
    path = "/api/v1/hubs/{hub_id:str}"
    tags = ["schools"]  # noqa: RUF012 - Litestar's declared attribute

    @get(
        "/progress",
        operation_id="getHubProgress",
        guards=[requires_user],
        responses=problems(401, 403, 404),
    )
    async def hub_progress(
        self,
        hub_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        progress_service: Progress,
    ) -> HubProgress:
        """Each school of the hub: staff, trained, booked (its hub_admins and trainers, admins)."""
        return await progress_service.hub(db_session, actor, hub_id)

    @get(
        "/progress.csv",
        operation_id="getHubProgressCsv",
        guards=[requires_user],
        media_type="text/csv",
        responses=problems(401, 403, 404),
    )
    async def hub_progress_csv(
        self,
        hub_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        progress_service: Progress,
    ) -> Response[str]:
        text = await progress_service.hub_csv(db_session, actor, hub_id)
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="progress-{hub_id[:32]}.csv"'},
        )
