"""An event this version cannot read is never marked dispatched: it stays pending and the log
says so, while the events around it are handled."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import select

from booking.models import OutboxEvent
from tests.support.dispatch import settle


async def test_an_unknown_kind_stays_pending_and_is_reported(client, sessionmaker, clock, caplog):
    async with sessionmaker() as db_session, db_session.begin():
        db_session.add(
            OutboxEvent(
                kind="BookingTeleported", payload={"booking_id": "b"}, created_at=clock.now()
            )
        )
        db_session.add(
            OutboxEvent(kind="CohortPublished", payload={"cohort_id": "c"}, created_at=clock.now())
        )
    clock.advance(timedelta(minutes=1))  # the report comes at most once a minute
    with caplog.at_level(logging.ERROR, logger="notifications.dispatcher"):
        await settle(client)
    async with sessionmaker() as db_session:
        rows = {r.kind: r for r in await db_session.scalars(select(OutboxEvent))}
    assert rows["BookingTeleported"].dispatched_at is None
    assert rows["CohortPublished"].dispatched_at is not None
    assert "BookingTeleported (1)" in caplog.text


async def test_a_known_kind_with_a_broken_payload_stays_pending_with_the_reason(
    client, sessionmaker, clock, caplog
):
    async with sessionmaker() as db_session, db_session.begin():
        db_session.add(
            OutboxEvent(kind="BookingOffered", payload={"cohort_id": "c"}, created_at=clock.now())
        )
    with caplog.at_level(logging.ERROR, logger="notifications.dispatcher"):
        dispatcher = client.app.state.background.dispatcher
        await asyncio.to_thread(client.blocking_portal.call, dispatcher.handle_events)
    async with sessionmaker() as db_session:
        (row,) = await db_session.scalars(select(OutboxEvent))
    assert row.dispatched_at is None
    assert "could not be handled" in caplog.text
