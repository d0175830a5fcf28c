"""Retention (docs/contract.md, Accounts, tokens and privacy): sign-in codes within 24 hours of
issue, mail bodies 30 days after sending (the row stays), and what has lapsed: expired tokens and
ended rate-limit windows. Run by the timer's retention job in every process."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from booking.models import ApiToken, EmailCode, RateLimitCounter
from booking.ports import DeliveryStatus
from notifications.models import Delivery
from tests.support.sign_in import signed_in


async def run_retention(client):
    background = client.app.state.background
    return await asyncio.to_thread(client.blocking_portal.call, background.retention)


async def rows(sessionmaker, model):
    async with sessionmaker() as db_session:
        return await db_session.scalar(select(func.count()).select_from(model))


async def add_delivery(sessionmaker, clock, *, sent_days_ago, status=DeliveryStatus.SENT):
    now = clock.now()
    sent_at = now - timedelta(days=sent_days_ago)
    async with sessionmaker() as db_session, db_session.begin():
        db_session.add(
            Delivery(
                key=f"k{sent_days_ago}{status}",
                kind="booking_confirmed",
                recipient="t@example.org",
                subject="Booked",
                message=b"Subject: Booked\r\n\r\nHello",
                status=status,
                attempts=1,
                next_attempt_at=sent_at,
                created_at=sent_at,
                updated_at=sent_at,
                sent_at=sent_at if status is DeliveryStatus.SENT else None,
            )
        )


async def test_codes_are_deleted_within_a_day_of_issue(client, clock, sessionmaker):
    await client.post("/api/v1/auth/email-code", json={"email": "t@example.org"})
    await run_retention(client)
    assert await rows(sessionmaker, EmailCode) == 1  # still counts against its hour
    clock.advance(timedelta(hours=1, seconds=1))
    await run_retention(client)
    assert await rows(sessionmaker, EmailCode) == 0


async def test_mail_bodies_go_thirty_days_after_sending_and_the_row_stays(
    client, clock, sessionmaker
):
    await add_delivery(sessionmaker, clock, sent_days_ago=31)
    await add_delivery(sessionmaker, clock, sent_days_ago=29)
    await add_delivery(sessionmaker, clock, sent_days_ago=40, status=DeliveryStatus.PENDING)
    await run_retention(client)
    async with sessionmaker() as db_session:
        kept = {
            (row.status, (clock.now() - row.created_at).days): row
            for row in (await db_session.scalars(select(Delivery))).all()
        }
    old = kept[(DeliveryStatus.SENT, 31)]
    assert old.message is None
    assert (old.kind, old.recipient, old.subject) == (
        "booking_confirmed",
        "t@example.org",
        "Booked",
    )
    assert kept[(DeliveryStatus.SENT, 29)].message
    assert kept[(DeliveryStatus.PENDING, 40)].message  # unsent: still to go out


async def test_expired_tokens_and_ended_windows_are_deleted(client, clock, sessionmaker):
    await signed_in(client, ["t@example.org"])
    await client.get("/api/v1/hubs")  # a window for this address
    assert await rows(sessionmaker, RateLimitCounter) == 1
    clock.advance(timedelta(days=29))
    await run_retention(client)
    assert (await rows(sessionmaker, ApiToken), await rows(sessionmaker, RateLimitCounter)) == (
        1,
        0,
    )
    clock.advance(timedelta(days=1))
    await run_retention(client)
    assert await rows(sessionmaker, ApiToken) == 0


async def test_two_processes_sweeping_at_once_both_succeed(client, clock, sessionmaker):
    await add_delivery(sessionmaker, clock, sent_days_ago=31)
    await client.post("/api/v1/auth/email-code", json={"email": "t@example.org"})
    clock.advance(timedelta(hours=2))
    background = client.app.state.background

    async def twice():
        return await asyncio.gather(background.retention(), background.retention())

    results = await asyncio.to_thread(client.blocking_portal.call, twice)
    assert sum(results) >= 2
    assert await rows(sessionmaker, EmailCode) == 0
