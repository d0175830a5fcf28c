"""Driving the background work of an app under test to a quiet state."""

from __future__ import annotations

import asyncio

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from booking.events import KINDS
from booking.models import OutboxEvent
from booking.ports import DeliveryStatus
from notifications.models import Delivery


async def settle(client: AsyncTestClient[Litestar]) -> None:
    """Run the app's time-based work until no event is waiting and no mail is due now.

    It runs on the client's portal, the event loop the app (its engine, its timer) lives in:
    an engine's pool must not be shared between two loops. The app's own timer may be running
    the same work meanwhile (when it has one); both claim rows under locks, so this only waits
    for whichever of them finishes a mail.
    """
    await asyncio.to_thread(client.blocking_portal.call, settle_app, client.app)


async def settle_app(app: Litestar, rounds: int = 200) -> None:
    """settle() for an app whose lifespan runs on this event loop."""
    runtime, background = app.state.runtime, app.state.background
    for _ in range(rounds):
        await background.run_once()
        async with runtime.sessionmaker() as db_session:
            now = runtime.clock.now()
            waiting = await db_session.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                # A kind this version does not know stays pending for good (and is reported).
                .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.kind.in_(KINDS))
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
