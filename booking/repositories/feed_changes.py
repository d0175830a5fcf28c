"""Feed marks follow every change a calendar feed shows, in the transaction that makes it.

After each flush, the rows that changed something a feed renders — a session's time, place,
status or SEQUENCE; a cohort's status, course or trainer; a course's title; a venue's name,
address, postcode or accessibility; a trainer's or a hub's name — are turned into the feed
scopes that show them (booking.models.FeedMark): the cohort's hub, its trainer, the teachers
confirmed on it, and `all`. One mechanism at the flush, rather than a call in every service,
so a new kind of change cannot forget its feeds. A teacher's own bookings are not marked here:
their feed's fingerprint reads them directly (repositories.feeds.personal_state).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, UOWTransaction

from booking.models import (
    Booking,
    BookingStatus,
    Cohort,
    Course,
    FeedMark,
    Hub,
    TrainingSession,
    User,
    Venue,
)

# The columns of each table that a feed renders (or that decide whether it shows a session).
SHOWN: dict[type[Any], frozenset[str]] = {
    TrainingSession: frozenset(
        {"starts_at", "ends_at", "venue_id", "status", "sequence", "trainer_id"}
    ),
    Cohort: frozenset({"status", "course_id", "trainer_id"}),
    Course: frozenset({"title"}),
    Venue: frozenset({"name", "address", "postcode", "accessibility"}),
    User: frozenset({"name"}),
    Hub: frozenset({"name"}),
}


def track_feed_changes(session_class: type[Session]) -> None:
    """Mark feeds after every flush of sessions of this class (booking.app wires it in)."""
    event.listen(session_class, "after_flush", _after_flush)


class _Changed:
    def __init__(self) -> None:
        self.ids: dict[type[Any], set[str]] = {kind: set() for kind in SHOWN}
        self.at: datetime | None = None
        # Scopes the database no longer leads to: a trainer a cohort or session was taken from.
        self.left: set[str] = set()

    def add(self, row: Any) -> None:  # noqa: ANN401 - any of the SHOWN models
        self.ids[type(row)].add(row.id)
        if self.at is None or row.updated_at > self.at:
            self.at = row.updated_at


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    changed = _Changed()
    for row in session.new:
        if isinstance(row, TrainingSession):
            changed.add(row)  # a new cohort, course or venue shows nowhere yet
    for row in session.dirty:
        fields = SHOWN.get(type(row))
        if fields and _modified(row, fields):
            changed.add(row)
            if isinstance(row, (Cohort, TrainingSession)):
                changed.left |= {f"user:{old}" for old in _old_values(row, "trainer_id")}
    if changed.at is not None:
        conn = session.connection()
        mark(conn, _scopes(conn, changed) | changed.left, changed.at)


def _modified(row: object, fields: Iterable[str]) -> bool:
    state = inspect(row)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _old_values(row: object, name: str) -> list[Any]:
    return [v for v in inspect(row).attrs[name].history.deleted if v is not None]


def _scopes(conn: Connection, changed: _Changed) -> set[str]:
    """The feed scopes that show any of the changed rows."""
    ids = changed.ids
    cohorts = set(
        conn.scalars(
            select(TrainingSession.cohort_id).where(TrainingSession.id.in_(ids[TrainingSession]))
        )
    )
    cohorts |= ids[Cohort]
    cohorts |= set(conn.scalars(select(Cohort.id).where(Cohort.course_id.in_(ids[Course]))))
    cohorts |= set(
        conn.scalars(
            select(TrainingSession.cohort_id).where(TrainingSession.venue_id.in_(ids[Venue]))
        )
    )
    cohorts |= set(conn.scalars(select(Cohort.id).where(Cohort.trainer_id.in_(ids[User]))))
    scopes = {f"hub:{h}" for h in ids[Hub]} | ({"all"} if cohorts else set())
    for hub_id, trainer_id in conn.execute(
        select(Cohort.hub_id, Cohort.trainer_id).where(Cohort.id.in_(cohorts))
    ):
        scopes |= {f"hub:{hub_id}", f"user:{trainer_id}"}
    scopes |= {
        f"user:{teacher_id}"
        for teacher_id in conn.scalars(
            select(Booking.teacher_id).where(
                Booking.cohort_id.in_(cohorts), Booking.status == BookingStatus.CONFIRMED
            )
        )
    }
    return scopes


def mark(conn: Connection, scopes: Iterable[str], at: datetime) -> None:
    """Move every scope's mark on: version + 1, changed_at the later of the two. Rows are
    written in scope order, so two transactions marking overlapping scopes cannot deadlock."""
    rows = [{"scope": s, "version": 1, "changed_at": at} for s in sorted(scopes)]
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(FeedMark).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[FeedMark.scope],
        set_={
            "version": FeedMark.version + 1,
            "changed_at": _later(FeedMark.changed_at, stmt.excluded.changed_at),
        },
    )
    conn.execute(stmt)


def _later(current: Any, new: Any) -> Any:  # noqa: ANN401 - SQL expressions
    return case((new > current, new), else_=current)
