"""Mail through a real SMTP server (aiosmtpd) that is down, refuses, or comes back; and time-based
work that came due while no process was running.

Time is a frozen clock moved by the test; the server is real and listens on a fixed port so it
can be "down" (nothing listening: connection refused) and later "up" on the same address.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import msgspec
import pytest
from aiosmtpd.controller import Controller
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from booking.app import create_app
from booking.ports import DeliveryStatus
from notifications.models import Delivery, Reminder, ReminderStatus
from tests.integration.notifications.conftest import RecordingHandler, free_port
from tests.support.dispatch import settle
from tests.support.engine import build_world, published_cohort
from tests.support.factories import bearer, create_user
from tests.support.mail import to


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def smtp_settings(settings, port):
    mail = msgspec.structs.replace(
        settings.mail, smtp_host="127.0.0.1", smtp_port=port, max_attempts=4
    )
    return msgspec.structs.replace(settings, mail=mail)


class Sink:
    """An aiosmtpd server on a fixed port that can be started and stopped."""

    def __init__(self, port, **handler_options):
        self.port = port
        self.handler = RecordingHandler(**handler_options)
        self.controller = None

    def up(self):
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=15
        )
        self.controller.start()

    def down(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def message_ids(self):
        return Counter(
            email.message_from_bytes(d.content, policy=email.policy.default)["Message-ID"]
            for d in self.handler.deliveries
        )


@pytest.fixture
def sink(port):
    sink = Sink(port)
    yield sink
    sink.down()


@contextmanager
def logged(name):
    """Records of one logger, caught on the logger itself: the app under test installs its own
    root handler (Litestar's queue), which pytest's caplog does not see."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


async def rows(sessionmaker):
    async with sessionmaker() as db_session:
        return (await db_session.scalars(select(Delivery).order_by(Delivery.id))).all()


async def book_three(client, sessionmaker, clock):
    """Two confirmed (one invite each: the cohort has one session) and one waitlisted: 3 mails."""
    world = await build_world(client, sessionmaker, clock)
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=10), capacity=2)
    for i in range(3):
        teacher = await create_user(client, world.admin, f"t{i}@school.example", "teacher")
        response = await client.post(
            f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(teacher["api_token"])
        )
        assert response.status_code == 201, response.text
    return world


async def test_smtp_down_for_a_while_then_up_every_mail_arrives_exactly_once(
    smtp_settings, clock, engine, sessionmaker, sink
):
    app = create_app(smtp_settings, clock=clock)
    async with AsyncTestClient(app=app) as client:
        with logged("notifications.deliveries") as records:
            await book_three(client, sessionmaker, clock)
            await settle(client)
        first = await rows(sessionmaker)
        assert len(first) == 3
        assert {(r.status, r.attempts) for r in first} == {(DeliveryStatus.PENDING, 1)}
        assert all("connect" in (r.last_error or "").lower() for r in first), first[0].last_error
        # The operator is told, once per mail and attempt, and when it will be tried again.
        told = [r.getMessage() for r in records if r.levelno == logging.WARNING]
        assert len(told) == 3
        assert all("not sent (attempt 1), retrying in" in line for line in told), told
        # Backoff: nothing is retried before its time, however often the dispatcher runs.
        waits = [r.next_attempt_at - clock.now() for r in first]
        assert all(timedelta(seconds=15) <= w <= timedelta(seconds=30) for w in waits), waits

        clock.advance(timedelta(seconds=31))
        await settle(client)
        second = await rows(sessionmaker)
        assert {(r.status, r.attempts) for r in second} == {(DeliveryStatus.PENDING, 2)}
        assert all(
            timedelta(seconds=30) <= r.next_attempt_at - clock.now() <= timedelta(seconds=60)
            for r in second
        )

        sink.up()
        clock.advance(timedelta(minutes=2))
        await settle(client)
        clock.advance(timedelta(hours=2))
        await settle(client)
    assert [r.status for r in await rows(sessionmaker)] == [DeliveryStatus.SENT] * 3
    ids = sink.message_ids()
    assert len(ids) == 3
    assert set(ids.values()) == {1}
    # One connection carried the batch.
    assert sink.handler.connections == 1


async def test_after_max_attempts_a_mail_is_failed_and_an_admin_retry_sends_it_once(
    smtp_settings, clock, engine, sessionmaker, sink
):
    app = create_app(smtp_settings, clock=clock)
    async with AsyncTestClient(app=app) as client:
        world = await book_three(client, sessionmaker, clock)
        for _ in range(4):
            await settle(client)
            clock.advance(timedelta(hours=1, minutes=1))
        failed = await rows(sessionmaker)
        assert {(r.status, r.attempts) for r in failed} == {(DeliveryStatus.FAILED, 4)}
        listed = await client.get(
            "/api/v1/admin/notifications?status=failed", headers=bearer(world.admin)
        )
        assert len(listed.json()["items"]) == 3

        sink.up()
        await settle(client)
        assert sink.message_ids() == Counter()  # failed stays failed until someone says so
        for row in failed:
            response = await client.post(
                f"/api/v1/admin/notifications/{row.id}/retry", headers=bearer(world.admin)
            )
            assert response.status_code == 200, response.text
        await settle(client)
        again = await client.post(
            f"/api/v1/admin/notifications/{failed[0].id}/retry", headers=bearer(world.admin)
        )
        assert again.status_code == 409
        assert again.json()["code"] == "already_sent"
    assert [r.status for r in await rows(sessionmaker)] == [DeliveryStatus.SENT] * 3
    assert set(sink.message_ids().values()) == {1}
    assert len(sink.message_ids()) == 3


async def test_a_refused_recipient_fails_at_once_and_the_others_still_go(
    smtp_settings, clock, engine, sessionmaker, port
):
    sink = Sink(port, refuse={"t1@school.example": "550 5.1.1 No such mailbox"})
    sink.up()
    try:
        app = create_app(smtp_settings, clock=clock)
        async with AsyncTestClient(app=app) as client:
            await book_three(client, sessionmaker, clock)
            await settle(client)
    finally:
        sink.down()
    by_recipient = {r.recipient: r for r in await rows(sessionmaker)}
    refused = by_recipient.pop("t1@school.example")
    assert (refused.status, refused.attempts) == (DeliveryStatus.FAILED, 1)
    assert "550" in (refused.last_error or "")
    assert {r.status for r in by_recipient.values()} == {DeliveryStatus.SENT}
    assert len(sink.message_ids()) == 2


@pytest.mark.timer
async def test_the_app_wakes_its_dispatcher_after_a_commit_without_being_asked(
    app, client, sessionmaker, clock, mail_dir
):
    """No settle() here: the commit's wake-up (or, at worst, the 2-second poll) sends the mail."""
    await book_three(client, sessionmaker, clock)
    for _ in range(100):
        if len([m for m in to(mail_dir, "school.example") if "sign-in" not in m["Subject"]]) == 3:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the dispatcher was not woken within 5 seconds")


async def test_reminders_due_while_no_process_ran_go_out_at_start_unless_too_late(
    settings, clock, engine, sessionmaker, mail_dir
):
    first_app = create_app(settings, clock=clock)
    async with AsyncTestClient(app=first_app) as client:
        world = await build_world(client, sessionmaker, clock)
        cohort = await published_cohort(client, world, clock.now() + timedelta(days=10))
        teacher = await create_user(client, world.admin, "t@school.example", "teacher")
        response = await client.post(
            f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(teacher["api_token"])
        )
        assert response.status_code == 201
        await settle(client)
    # Nothing runs for eight days: the P7D reminder (due on day 3) is late but still useful.
    clock.advance(timedelta(days=8))
    second_app = create_app(settings, clock=clock)
    async with AsyncTestClient(app=second_app):
        for _ in range(100):  # no settle(): the start-up pass alone must send it
            reminders = [m for m in to(mail_dir, "t@school.example") if "Reminder" in m["Subject"]]
            if reminders:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the overdue reminder was not sent at start-up")
        # Down again past the session's start: the P1D reminder is skipped, not sent late.
    clock.advance(timedelta(days=3))
    third_app = create_app(settings, clock=clock)
    async with AsyncTestClient(app=third_app) as client:
        await settle(client)
    async with sessionmaker() as db_session:
        states = {r.reminder_offset: r.status for r in await db_session.scalars(select(Reminder))}
    assert states == {"P7D": ReminderStatus.QUEUED, "P1D": ReminderStatus.SKIPPED}
    assert len([m for m in to(mail_dir, "t@school.example") if "Reminder" in m["Subject"]]) == 1
