"""The audit log (docs/contract.md, Accounts, tokens and privacy): all of it for admins, a hub's for
its hub admins."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from booking.api.deps import CurrentActor, Cursor, DbSession, Limit, query_datetime
from booking.api.problems import problems
from booking.auth import requires_role, requires_user
from booking.models import Role
from booking.repositories.audit import AuditFilter
from booking.schemas.accounts import AuditPage
from booking.services.audit_log import AuditLogService

Filter = Annotated[str | None, QueryParameter(max_length=200)]
When = Annotated[str | None, QueryParameter(max_length=64, description="RFC 3339")]
Service = NamedDependency[AuditLogService]


def _filter(
    *,
    actor_id: str | None,
    entity: str | None,
    entity_id: str | None,
    since: str | None,
    until: str | None,
    hub_id: str | None = None,
) -> AuditFilter:
    return AuditFilter(
        actor_id=actor_id,
        entity=entity,
        entity_id=entity_id,
        hub_id=hub_id,
        since=None if since is None else query_datetime(since, "from"),
        until=None if until is None else query_datetime(until, "to"),
    )


class AuditController(Controller):
    path = "/api/v1"
    tags = ["admin"]  # noqa: RUF012 - Litestar's declared attribute

    @get(
        "/admin/audit",
        operation_id="listAudit",
        guards=[requires_role(Role.ADMIN)],
        responses=problems(400, 401, 403),
    )
    async def admin_audit(  # noqa: PLR0917 - the filters and the two list parameters
        self,
        actor: CurrentActor,
        db_session: DbSession,
        audit_log_service: Service,
        actor_id: Filter = None,
        entity: Filter = None,
        entity_id: Filter = None,
        from_: Annotated[str | None, QueryParameter(name="from", max_length=64)] = None,
        to: When = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> AuditPage:
        """Every audited change, newest first."""
        where = _filter(
            actor_id=actor_id, entity=entity, entity_id=entity_id, since=from_, until=to
        )
        return await audit_log_service.list(db_session, actor, where, limit=limit, cursor=cursor)

    @get(
        "/hubs/{hub_id:str}/audit",
        operation_id="listHubAudit",
        guards=[requires_user],
        responses=problems(400, 401, 403, 404),
    )
    async def hub_audit(  # noqa: PLR0917 - the filters and the two list parameters
        self,
        hub_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        audit_log_service: Service,
        actor_id: Filter = None,
        entity: Filter = None,
        entity_id: Filter = None,
        from_: Annotated[str | None, QueryParameter(name="from", max_length=64)] = None,
        to: When = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> AuditPage:
        """The hub's audited changes, newest first (that hub's hub admins, admins)."""
        where = _filter(
            actor_id=actor_id,
            entity=entity,
            entity_id=entity_id,
            since=from_,
            until=to,
            hub_id=hub_id,
        )
        return await audit_log_service.list(db_session, actor, where, limit=limit, cursor=cursor)
