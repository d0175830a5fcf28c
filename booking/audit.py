"""The audit log, written by the unit of work itself
(docs/contract.md, Accounts, tokens and privacy; docs/architecture.md).

Every request's db_session carries who is calling (booking.api.deps.provide_db_session puts an
AuditContext on db_session.info). After each flush, a listener on the app's Session class turns
the flushed rows into audit rows when that caller's role is audited — every ORM insert, update
and delete, whichever service or endpoint made it, so a write endpoint added later is audited
without a line of its own. The rows are inserted on the flush's own connection, so they commit
or roll back with the change they describe.

Not recorded: bookkeeping tables (the outbox, counters, tokens and codes, mail rows, the log
itself), the updated_at/created_at stamps, bulk UPDATE/DELETE statements (used for counters,
timestamps and code attempts, not for what people change), and work with no caller (jobs,
the command line).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Table, event, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from booking.clock import Clock
from booking.ids import new_id
from booking.models import AuditEvent, Base
from booking.services.actor import Actor

# By value: `school_lead` is a role added beside these (docs/contract.md, Schools and staff).
AUDITED_ROLES = frozenset({"admin", "hub_admin", "trainer", "school_lead"})
CONTEXT_KEY = "audit"
NOT_AUDITED = frozenset(
    {
        "audit_event",
        "outbox_event",
        "due_work",
        "idempotency_record",
        "rate_limit_counter",
        "email_code",
        "api_token",
        "feed_token",
        "delivery",
        "reminder",
    }
)
STAMPS = frozenset({"created_at", "updated_at"})
# A status a row moves into -> the action it is.
STATUS_ACTIONS = {"published": "publish", "cancelled": "cancel"}
# How a row leads to its hub: (column on this row, table it names). Followed in order.
HUB_PATHS = (
    ("cohort_id", "cohort"),
    ("session_id", "training_session"),
    ("booking_id", "booking"),
    ("trainer_id", "user_account"),
)


@dataclass(slots=True)
class AuditContext:
    actor: Actor | None
    clock: Clock
    hubs: dict[tuple[str, str], str | None] = field(default_factory=dict)

    @property
    def audited(self) -> bool:
        return self.actor is not None and self.actor.role.value in AUDITED_ROLES


def audited_session_class(base: type[Session]) -> type[Session]:
    """A subclass of `base` whose flushes append audit rows (one class per app)."""

    class AuditedSession(base):  # type: ignore[valid-type, misc]
        pass

    event.listen(AuditedSession, "after_flush", _after_flush)
    return AuditedSession


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    context = session.info.get(CONTEXT_KEY)
    if not isinstance(context, AuditContext) or not context.audited:
        return
    assert context.actor is not None  # noqa: S101 - `audited` says so
    rows = [
        *_rows(session, context, session.new, "create"),
        *_rows(session, context, session.dirty, "update"),
        *_rows(session, context, session.deleted, "delete"),
    ]
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def _rows(
    session: Session, context: AuditContext, objects: Iterable[object], kind: str
) -> list[dict[str, Any]]:
    rows = []
    now = context.clock.now()
    actor = context.actor
    assert actor is not None  # noqa: S101 - checked by the caller
    for obj in objects:
        state = inspect(obj)
        table = state.mapper.local_table
        if not isinstance(table, Table) or table.name in NOT_AUDITED:
            continue
        changes = _changes(state, kind)
        if kind == "update" and not changes:
            continue
        action = action_for(table.name, kind, changes)
        if action == "erase":
            changes = {"erased": True}  # the old name and email must not land here
        rows.append(
            {
                "id": new_id(),
                "at": now,
                "actor_id": actor.id,
                "actor_role": actor.role.value,
                "action": action,
                "entity": table.name,
                "entity_id": _entity_id(state),
                "hub_id": _hub_of(session, context, table, state),
                "changes": changes,
            }
        )
    return rows


def _changes(state: Any, kind: str) -> dict[str, Any]:  # noqa: ANN401 - SQLAlchemy's InstanceState
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in STAMPS:
            continue
        history = state.attrs[attr.key].history
        if kind == "update":
            if history.has_changes() and history.deleted:
                old, new = history.deleted[0], history.added[0] if history.added else None
                if old != new:
                    changes[attr.key] = [plain(old), plain(new)]
        else:
            value = state.attrs[attr.key].value if kind == "create" else _old(history)
            if value is not None:
                changes[attr.key] = plain(value)
    return changes


def _old(history: Any) -> Any:  # noqa: ANN401 - SQLAlchemy's History and a column value
    values = [*history.unchanged, *history.deleted]
    return values[0] if values else None


def action_for(entity: str, kind: str, changes: dict[str, Any]) -> str:
    """create/update/delete, named more closely where the change says what happened."""
    if entity == "attendance" and kind != "delete":
        return "attendance"
    if kind != "update":
        return kind
    new = {column: change[1] for column, change in changes.items()}
    named = [
        ("erase", new.get("erased_at") is not None),
        ("delete", new.get("deleted_at") is not None),
        (STATUS_ACTIONS.get(str(new.get("status")), "update"), "status" in new),
        ("reactivate" if new.get("active") else "deactivate", "active" in new),
        ("role_change", "role" in new),
    ]
    return next((action for action, applies in named if applies), "update")


def plain(value: Any) -> Any:  # noqa: ANN401 - any column value
    """A column value as JSON."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _entity_id(state: Any) -> str | None:  # noqa: ANN401 - SQLAlchemy's InstanceState
    key = state.identity or state.mapper.primary_key_from_instance(state.obj())
    values = [str(v) for v in key if v is not None]
    return ":".join(values) if values else None


def _hub_of(session: Session, context: AuditContext, table: Table, state: Any) -> str | None:  # noqa: ANN401 - SQLAlchemy's InstanceState
    """The hub a row belongs to: its own hub_id, the hub itself, or found through what it
    names (a session's cohort, a booking's cohort, a trainer's hub). None: no hub (a course)."""
    if table.name == "hub":
        return _entity_id(state)
    values = {attr.key: _current_or_old(state, attr.key) for attr in state.mapper.column_attrs}
    if "hub_id" in table.c:
        hub = values.get("hub_id")
        return None if hub is None else str(hub)
    for column, target in HUB_PATHS:
        if column in table.c and values.get(column) is not None:
            return _hub_through(session, context, target, str(values[column]))
    return None


def _current_or_old(state: Any, key: str) -> Any:  # noqa: ANN401 - SQLAlchemy's InstanceState, a value
    history = state.attrs[key].history
    values = [*history.added, *history.unchanged, *history.deleted]
    return values[0] if values else None


def _hub_through(
    session: Session, context: AuditContext, table_name: str, row_id: str
) -> str | None:
    """hub_id of the row `row_id` of `table_name`, following its own path; cached per session."""
    cached = context.hubs.get((table_name, row_id), ...)
    if cached is not ...:
        return cached
    table = Base.metadata.tables[table_name]
    hub: str | None = None
    if "hub_id" in table.c:
        hub = session.connection().scalar(select(table.c.hub_id).where(table.c.id == row_id))
    else:
        for column, target in HUB_PATHS:
            if column in table.c:
                ref = session.connection().scalar(
                    select(table.c[column]).where(table.c.id == row_id)
                )
                hub = None if ref is None else _hub_through(session, context, target, str(ref))
                break
    context.hubs[(table_name, row_id)] = hub
    return hub
