"""The outbox dispatcher (docs/architecture.md, The dispatcher): events to deliveries, due reminders
to deliveries, deliveries to the transport.

Every process runs one. It is woken after a commit that wrote events, at the next due time,
and on a short interval (for what other processes left behind). All of its state is rows,
claimed under row locks, so any number of processes can run it side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.clock import Clock
from booking.database import unit_of_work
from booking.events import KINDS, Event, from_row
from booking.models.outbox import OutboxEvent
from booking.ports import DeliveryStatus, MailFacts
from booking.settings import MailSettings
from notifications import reminders
from notifications.content import MailContext
from notifications.deliveries import DeliverySender
from notifications.handlers import Envelope, Handling, handle, prefetch
from notifications.models import Delivery, Reminder, ReminderStatus
from notifications.transports import MailTransport

log = logging.getLogger(__name__)

# A pass repeats while it finds work, up to this many rounds, then yields to the timer.
MAX_ROUNDS = 50
REPORT_EVERY = timedelta(minutes=1)
NOT_HANDLED = "outbox event %s (%s) could not be handled"


class Dispatcher:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        transport: MailTransport,
        clock: Clock,
        mail: MailSettings,
        context: Callable[[], MailContext],
        *,
        facts: MailFacts,
        batch: int = 50,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._facts = facts
        self._clock = clock
        self._context = context
        self._batch = batch
        self._reported_at: datetime | None = None
        self.sender = DeliverySender(sessionmaker, transport, clock, mail)

    async def run(self) -> int:
        """Everything due now: returns how many rows were dealt with."""
        total = 0
        for _ in range(MAX_ROUNDS):
            done = await self.handle_events()
            done += await self.queue_reminders()
            done += await self.sender.send_due()
            total += done
            if done == 0:
                break
        return total

    async def handle_events(self) -> int:
        """Claim a batch of events this version knows, hand each to its handler, mark it
        dispatched. A kind it does not know is never claimed: it stays pending (a newer
        process will handle it) and report_unknown() says so."""
        async with self._sessionmaker() as db_session, unit_of_work(db_session):
            rows = (
                await db_session.scalars(
                    select(OutboxEvent)
                    .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.kind.in_(KINDS))
                    .order_by(OutboxEvent.id)
                    .limit(self._batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            batch = [(row, _decoded(row)) for row in rows]
            events = [event for _, event in batch if event is not None]
            read = await prefetch(db_session, self._facts, events)
            handling = Handling(db_session, self._facts, self._context(), read)
            handled = 0
            for row, event in batch:
                if event is not None and await self._handle_one(handling, row, event):
                    row.dispatched_at = self._clock.now()
                    handled += 1
        await self.report_unknown()
        return handled

    @staticmethod
    async def _handle_one(handling: Handling, row: OutboxEvent, event: Event) -> bool:
        try:
            async with handling.db_session.begin_nested():
                await handle(handling, Envelope(row.id, row.created_at, event))
        except Exception:
            # Left undispatched: it is tried again on the next pass, and the log says why.
            log.exception(NOT_HANDLED, row.id, row.kind)
            return False
        return True

    async def report_unknown(self) -> int:
        """Log (at most once a minute) how many pending events have a kind this version does
        not know; returns that count when it looked, else 0."""
        now = self._clock.now()
        if self._reported_at is not None and now - self._reported_at < REPORT_EVERY:
            return 0
        self._reported_at = now
        async with self._sessionmaker() as db_session:
            rows = (
                await db_session.execute(
                    select(OutboxEvent.kind, func.count())
                    .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.kind.not_in(KINDS))
                    .group_by(OutboxEvent.kind)
                )
            ).all()
            await db_session.rollback()
        if rows:
            kinds = ", ".join(f"{kind} ({count})" for kind, count in sorted(rows))
            log.error("outbox events of unknown kinds left pending: %s", kinds)
        return sum(int(count) for _, count in rows)

    async def queue_reminders(self) -> int:
        async with self._sessionmaker() as db_session, unit_of_work(db_session):
            return await reminders.queue_due(
                db_session, self._facts, self._clock.now(), self._context
            )

    async def next_due(self) -> datetime | None:
        """The earliest moment with mail work: a reminder or a delivery's next attempt."""
        async with self._sessionmaker() as db_session:
            candidates = [
                await db_session.scalar(
                    select(func.min(Reminder.due_at)).where(
                        Reminder.status == ReminderStatus.PENDING
                    )
                ),
                await db_session.scalar(
                    select(func.min(Delivery.next_attempt_at)).where(
                        Delivery.status == DeliveryStatus.PENDING
                    )
                ),
            ]
            await db_session.rollback()
        found = [moment for moment in candidates if moment is not None]
        return min(found) if found else None


def _decoded(row: OutboxEvent) -> Event | None:
    """The row's event, decoded once for the batch's read and its handler; None (and left
    pending) when it does not decode."""
    try:
        return from_row(row.kind, row.payload)
    except Exception:
        log.exception(NOT_HANDLED, row.id, row.kind)
        return None
