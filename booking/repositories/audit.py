"""Reading the audit log, and the one rewrite it allows: erasing a person from it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import AuditEvent
from booking.repositories.pagination import page

ERASED = "erased"
# The account's own fields that name the person.
PERSONAL_FIELDS = frozenset({"name", "email", "school"})


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor_id: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    hub_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_events(
    db_session: AsyncSession, where: AuditFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[AuditEvent], str | None]:
    stmt = select(AuditEvent)
    for column, value in (
        (AuditEvent.actor_id, where.actor_id),
        (AuditEvent.entity, where.entity),
        (AuditEvent.entity_id, where.entity_id),
        (AuditEvent.hub_id, where.hub_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if where.since is not None:
        stmt = stmt.where(AuditEvent.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(AuditEvent.at < where.until)
    return await page(
        db_session, stmt, AuditEvent.id, limit=limit, cursor=cursor, newest_first=True
    )


async def about_person(db_session: AsyncSession, user_id: str, limit: int) -> Sequence[AuditEvent]:
    """Changes to the person's account and changes they made, newest first."""
    return (
        await db_session.scalars(
            select(AuditEvent)
            .where(
                or_(
                    AuditEvent.actor_id == user_id,
                    (AuditEvent.entity == "user_account") & (AuditEvent.entity_id == user_id),
                )
            )
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    ).all()


async def erase_person(db_session: AsyncSession, user_id: str, name: str, email: str) -> int:
    """Replace the person's name and email in `changes` with "erased": every name, email and
    school of the rows about their account, and wherever else their current address or name
    appears as a value. The JSON is searched as
    stored text (names with accents are stored escaped, so the escaped form is searched)."""
    needles = [_stored(v) for v in (email, name) if v]
    text = cast(AuditEvent.changes, String)
    rows = (
        await db_session.scalars(
            select(AuditEvent).where(
                or_(
                    (AuditEvent.entity == "user_account") & (AuditEvent.entity_id == user_id),
                    *(text.contains(needle, autoescape=True) for needle in needles),
                )
            )
        )
    ).all()
    changed = 0
    for row in rows:
        changes = row.changes
        if row.entity == "user_account" and row.entity_id == user_id:
            # Every name and address the account ever had, not only the last.
            changes = {k: ERASED if k in PERSONAL_FIELDS else v for k, v in changes.items()}
        scrubbed = _scrub(changes, {v for v in (email, name) if v}, email)
        if scrubbed != row.changes:
            await db_session.execute(
                update(AuditEvent).where(AuditEvent.id == row.id).values(changes=scrubbed)
            )
            changed += 1
    return changed


def _stored(value: str) -> str:
    """How a string appears inside stored JSON (json.dumps escapes non-ASCII and quotes)."""
    return json.dumps(value)[1:-1]


def _scrub(value: Any, exact: set[str], email: str) -> Any:  # noqa: ANN401 - any JSON value
    if isinstance(value, str):
        return ERASED if value in exact or email.lower() in value.lower() else value
    if isinstance(value, list):
        return [_scrub(v, exact, email) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, exact, email) for k, v in value.items()}
    return value
