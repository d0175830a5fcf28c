"""Reading the audit log (docs/contract.md, Accounts, tokens and privacy): admins see all of it, a
hub admin their hub's."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import NotFoundError
from booking.models import AuditEvent, Role
from booking.repositories import audit as audit_repo
from booking.repositories import hubs as hub_repo
from booking.schemas.accounts import AuditPage, AuditRead
from booking.services.actor import Actor
from booking.services.validation import require_order


def audit_read(row: AuditEvent) -> AuditRead:
    return AuditRead(
        id=row.id,
        at=row.at,
        actor_id=row.actor_id,
        actor_role=row.actor_role,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        hub_id=row.hub_id,
        changes=row.changes,
    )


class AuditLogService:
    async def list(
        self,
        db_session: AsyncSession,
        actor: Actor,
        where: audit_repo.AuditFilter,
        *,
        limit: int,
        cursor: str | None,
    ) -> AuditPage:
        """Newest first. Admins only, unless filtered to a hub the caller manages."""
        if where.hub_id is None:
            actor.require_role(Role.ADMIN)
        else:
            if not await hub_repo.hub_exists(db_session, where.hub_id):
                raise NotFoundError("no such hub")
            actor.require_hub_manager(where.hub_id)
        if where.since is not None and where.until is not None:
            require_order(where.since, where.until, "to")
        rows, next_cursor = await audit_repo.list_events(
            db_session, where, limit=limit, cursor=cursor
        )
        return AuditPage(items=[audit_read(r) for r in rows], next_cursor=next_cursor)
