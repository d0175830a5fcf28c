"""Waking the dispatcher after a commit that wrote outbox events
(docs/architecture.md, The dispatcher).

A Session subclass per app carries the listeners, so two apps in one process (tests, several
workers) never wake each other's dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from booking.models.outbox import OutboxEvent

_WROTE_EVENTS = "outbox_written"


def waking_session_class(wake: Callable[[], None]) -> type[Session]:
    """A sync Session class whose commits call `wake()` when they included outbox events."""

    class OutboxWakingSession(Session):
        pass

    @event.listens_for(OutboxWakingSession, "after_flush")
    def _note(session: Session, _context: Any) -> None:  # noqa: ANN401 - SQLAlchemy's flush context
        # After a flush the new objects are still listed in session.new.
        if any(isinstance(obj, OutboxEvent) for obj in session.new):
            session.info[_WROTE_EVENTS] = True

    @event.listens_for(OutboxWakingSession, "after_commit")
    def _wake(session: Session) -> None:
        if session.info.pop(_WROTE_EVENTS, False):
            wake()

    @event.listens_for(OutboxWakingSession, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(_WROTE_EVENTS, None)

    return OutboxWakingSession
