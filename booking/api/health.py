"""Liveness and readiness for load balancers and container health checks."""

from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy.exc import SQLAlchemyError

from booking.api.deps import runtime_of
from booking.migrate import current_revision
from booking.schemas.common import Output


class Health(Output):
    status: str


class Readiness(Output):
    status: str
    database: str
    revision: str | None
    head: str


@get(
    "/health",
    operation_id="health",
    tags=["health"],
    include_in_schema=True,
    exclude_from_auth=True,
)
async def health() -> Health:
    return Health(status="ok")


@get(
    "/ready",
    operation_id="ready",
    tags=["health"],
    exclude_from_auth=True,
    response_description="The database answers and is migrated to head",
    responses={
        503: ResponseSpec(
            data_container=Readiness,
            description="Not ready: the database is unreachable or not migrated to head",
            generate_examples=False,
        )
    },
)
async def ready(state: State) -> Response[Readiness]:
    """200 when the database answers and is migrated to head, else 503."""
    runtime = runtime_of(state)
    try:
        revision = await current_revision(runtime.engine)
    except (SQLAlchemyError, OSError):
        body = Readiness(
            status="unavailable", database="unreachable", revision=None, head=runtime.head_revision
        )
        return Response(body, status_code=503)
    at_head = revision == runtime.head_revision
    body = Readiness(
        status="ok" if at_head else "unavailable",
        database="at head" if at_head else "not migrated",
        revision=revision,
        head=runtime.head_revision,
    )
    return Response(body, status_code=200 if at_head else 503)
