"""The outbox dispatcher (DESIGN.md, Event-driven core): events to deliveries, due reminders to
deliveries, deliveries to the transport.

Every process runs one. It is woken after a commit that wrote events, at the next due time,
and on a short interval (for what other processes left behind). All of its state is rows,
claimed under row locks, so any number of processes can run it side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.clock import Clock
from booking.database import unit_of_work
from booking.models import Delivery, DeliveryStatus, DueWork, OutboxEvent, Reminder, ReminderStatus
from booking.settings import MailSettings
from notifications import reminders
from notifications.content import MailContext
from notifications.deliveries import DeliverySender
from notifications.handlers import handle
from notifications.transports import MailTransport

log = logging.getLogger(__name__)

# A pass repeats while it finds work, up to this many rounds, then yields to the timer.
MAX_ROUNDS = 50


class Dispatcher:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        transport: MailTransport,
        clock: Clock,
        mail: MailSettings,
        context: Callable[[], MailContext],
        *,
        batch: int = 50,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._context = context
        self._batch = batch
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
        async with self._sessionmaker() as db_session, unit_of_work(db_session):
            events = (
                await db_session.scalars(
                    select(OutboxEvent)
                    .where(OutboxEvent.dispatched_at.is_(None))
                    .order_by(OutboxEvent.id)
                    .limit(self._batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            ctx = self._context()
            handled = 0
            for event in events:
                if await self._handle_one(db_session, event, ctx):
                    event.dispatched_at = self._clock.now()
                    handled += 1
            return handled

    async def _handle_one(
        self, db_session: AsyncSession, event: OutboxEvent, ctx: MailContext
    ) -> bool:
        try:
            async with db_session.begin_nested():
                await handle(db_session, event, ctx)
        except Exception:
            # Left undispatched: it is tried again on the next pass, and the log says why.
            log.exception("outbox event %s (%s) could not be handled", event.id, event.kind)
            return False
        return True

    async def queue_reminders(self) -> int:
        async with self._sessionmaker() as db_session, unit_of_work(db_session):
            return await reminders.queue_due(db_session, self._clock.now(), self._context)

    async def next_due(self) -> datetime | None:
        """The earliest future moment with work: a reminder, a retry, an offer's expiry."""
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
                await db_session.scalar(
                    select(func.min(DueWork.due_at)).where(DueWork.done_at.is_(None))
                ),
            ]
            await db_session.rollback()
        found = [moment for moment in candidates if moment is not None]
        return min(found) if found else None
