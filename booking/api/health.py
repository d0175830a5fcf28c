"""Liveness and readiness for load balancers and container health checks."""

from __future__ import annotations

import asyncio

from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy.exc import SQLAlchemyError

from booking.api.deps import runtime_of
from booking.migrate import current_revision
from booking.preflight import directory_problem
from booking.schemas.common import Output
from booking.settings import MailSettings


class Health(Output):
    status: str


class Readiness(Output):
    status: str
    database: str
    revision: str | None
    head: str
    # "smtp" (sent to a relay; an outage there is retried, not a reason to stop traffic),
    # "writable" or "not writable" (the .eml directory when no SMTP server is set).
    mail: str


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
            description="Not ready: the database is unreachable or not migrated to head, or "
            "the mail directory is not writable",
            generate_examples=False,
        )
    },
)
async def ready(state: State) -> Response[Readiness]:
    """200 when the database answers and is migrated to head and mail can be written (no
    SMTP server: the mail directory takes files), else 503."""
    runtime = runtime_of(state)
    mail = await _mail_state(runtime.settings.mail)
    try:
        revision = await current_revision(runtime.engine)
    except (SQLAlchemyError, OSError):
        revision, database = None, "unreachable"
    else:
        database = "at head" if revision == runtime.head_revision else "not migrated"
    ok = database == "at head" and mail != "not writable"
    body = Readiness(
        status="ok" if ok else "unavailable",
        database=database,
        revision=revision,
        head=runtime.head_revision,
        mail=mail,
    )
    return Response(body, status_code=200 if ok else 503)


async def _mail_state(mail: MailSettings) -> str:
    if mail.smtp_host:
        return "smtp"
    # Sign-in codes are written there: a directory that refuses them makes every sign-in a
    # 503, so the instance must not take traffic (the path itself is not shown publicly).
    problem = await asyncio.to_thread(directory_problem, mail.mail_dir)
    return "writable" if problem is None else "not writable"
