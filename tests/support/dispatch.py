"""Driving the notification dispatcher of an app under test to a quiet state."""

from __future__ import annotations

import asyncio

from litestar import Litestar
from sqlalchemy import func, select

from booking.app import expire_offers
from booking.models import Delivery, DeliveryStatus, OutboxEvent


async def settle(app: Litestar, *, rounds: int = 200) -> None:
    """Run the app's time-based work until no event is waiting and no mail is due now.

    The app's own timer may be running the same work in the background; both paths claim rows
    under locks, so this only waits for whichever of them finishes a mail.
    """
    runtime, dispatcher = app.state.runtime, app.state.dispatcher
    for _ in range(rounds):
        await expire_offers(runtime)
        await dispatcher.run()
        async with runtime.sessionmaker() as db_session:
            now = runtime.clock.now()
            waiting = await db_session.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.dispatched_at.is_(None))
            )
            due = await db_session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now)
            )
        if not waiting and not due:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the dispatcher did not settle")
