"""Composing a failed mail again, from its event and the data as it is now (an admin's retry).

A mail that could not be composed was stored as failed with no message (notifications.
deliveries.queue): say, a cohort cancelled with a reason holding a control character, before
such text was refused at the edge. Re-sending its bytes cannot help, as there are none; once the
data is right, re-running the event's handler composes it. The handler runs inside a savepoint
that is always rolled back, with `queue` told (RECOMPOSING) to compose only the mail with this
delivery's key and to add nothing: the handler's other effects (reminder rows, other mails)
happened when the event was first handled and must not happen twice.

The hook is `handle(handling, envelope)`, the handlers' one entry point, and the draft key
(event, recipient, kind) that every handler gives its mails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from booking.events import UnknownEventError, from_row
from booking.models.outbox import OutboxEvent
from booking.ports import MailFacts
from notifications.content import MailContext
from notifications.deliveries import RECOMPOSING, SUBJECT_LENGTH, Composed, Recomposing
from notifications.handlers import Envelope, Handling, handle
from notifications.models import Delivery

log = logging.getLogger(__name__)


async def recompose(
    db_session: AsyncSession,
    delivery: Delivery,
    facts: MailFacts,
    context: Callable[[], MailContext],
) -> bool:
    """Give `delivery` a freshly composed message (True), or leave it as it is with the reason
    in `last_error` (False): its event is gone, no longer gives this mail, or the mail still
    cannot be composed. Runs in the caller's transaction, which holds the row."""
    row = await db_session.get(OutboxEvent, delivery.event_id) if delivery.event_id else None
    if row is None:
        delivery.last_error = "cannot compose again: the mail was not made from an event"
        return False
    try:
        event = Envelope(row.id, row.created_at, from_row(row.kind, row.payload))
    except UnknownEventError as exc:
        delivery.last_error = f"cannot compose again: {exc}"
        return False
    target = Recomposing(delivery.key)
    token = RECOMPOSING.set(target)
    savepoint = await db_session.begin_nested()
    try:
        await handle(Handling(db_session, facts, context()), event)
    except Exception:
        log.exception("delivery %s could not be composed again", delivery.id)
        target.composed = Composed(b"", "", "cannot compose again: its event's handler failed")
    finally:
        # Before the row is touched: rolling back a savepoint expires what changed inside it.
        await savepoint.rollback()
        RECOMPOSING.reset(token)
    composed = target.composed
    if composed is None:
        delivery.last_error = "cannot compose again: its event no longer gives this mail"
        return False
    if composed.error is not None:
        delivery.last_error = composed.error
        return False
    delivery.message, delivery.subject = composed.data, composed.subject[:SUBJECT_LENGTH]
    return True
