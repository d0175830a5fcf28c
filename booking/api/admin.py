"""Admin endpoints for mail deliveries (docs/contract.md, Email)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter

from booking.api.deps import CurrentActor, Cursor, DbSession, Limit, runtime_of
from booking.api.problems import problems
from booking.auth import requires_role
from booking.models import Role
from booking.ports import DeliveryStatus
from booking.schemas.deliveries import DeliveryPage, DeliveryRead
from booking.services.deliveries import DeliveryService

StatusFilter = Annotated[
    DeliveryStatus | None,
    QueryParameter(description="Only deliveries in this state; all when absent"),
]


def provide_delivery_service(state: State) -> DeliveryService:
    runtime = runtime_of(state)
    return DeliveryService(runtime.clock, runtime.deliveries)


class AdminNotificationController(Controller):
    path = "/api/v1/admin/notifications"
    tags = ["admin"]  # noqa: RUF012 - Litestar's declared attribute
    # Without a token 401, with another role 403; an unknown query parameter is a 400 after
    # that (booking.api.query_params, called by the app's before_request for all of /api/v1).
    guards = [requires_role(Role.ADMIN)]  # noqa: RUF012 - Litestar's declared attribute
    dependencies = {  # noqa: RUF012 - Litestar's declared attribute
        "delivery_service": Provide(provide_delivery_service, sync_to_thread=False)
    }

    @get("", operation_id="listDeliveries", responses=problems(400, 401, 403))
    async def list_deliveries(  # noqa: PLR0917 - the filter and the two list parameters
        self,
        actor: CurrentActor,
        db_session: DbSession,
        delivery_service: NamedDependency[DeliveryService],
        status: StatusFilter = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> DeliveryPage:
        """Mail deliveries, newest first."""
        return await delivery_service.list(
            db_session, actor, status=status, limit=limit, cursor=cursor
        )

    @post(
        "/{delivery_id:str}/retry",
        status_code=200,
        operation_id="retryDelivery",
        responses=problems(400, 401, 403, 404, 409),
    )
    async def retry(
        self,
        delivery_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        delivery_service: NamedDependency[DeliveryService],
    ) -> DeliveryRead:
        """Requeue a failed mail; a pending one is answered unchanged; a sent one is 409."""
        return await delivery_service.retry(db_session, actor, delivery_id)
