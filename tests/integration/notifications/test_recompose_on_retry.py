"""An admin's retry composes a never-composed mail again, from its event and today's data.

Before input was checked at the edge, a cohort could be cancelled with a reason holding a
control character (a bell pasted from a word processor). Every "cohort cancelled" mail then
failed to compose and was stored as failed with no message; a retry only re-sent the missing
bytes ("never composed"), so the teachers never learnt of the cancellation. Once the reason is
put right, a retry now composes the mail again.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from booking.models import Cohort, Role, User
from booking.ports import DeliveryStatus
from booking.schemas.cohorts import CohortCancel
from booking.services.actor import Actor
from booking.services.cohorts import CohortService
from notifications.models import Delivery, Reminder
from tests.support.dispatch import settle
from tests.support.engine import build_world, published_cohort, teacher_token
from tests.support.factories import bearer
from tests.support.mail import calendar_part, text_part, to

TEACHERS = ("ann@school.example", "bo@school.example")


async def cancel_as_the_old_edge_let_through(sessionmaker, clock, cohort_id, reason):
    """The service takes what the schema would now refuse: a Struct built directly is not
    checked, as the hub's cancel form used to build it."""
    async with sessionmaker() as db_session:
        admin = await db_session.scalar(select(User).where(User.role == Role.ADMIN))
        actor = Actor(id=admin.id, email=admin.email, role=admin.role, hub_id=None)
        await CohortService(clock).cancel(db_session, actor, cohort_id, CohortCancel(reason=reason))


async def cancellation_rows(sessionmaker):
    async with sessionmaker() as db_session:
        rows = await db_session.scalars(
            select(Delivery)
            .where(Delivery.kind == "booking_cancelled")
            .order_by(Delivery.recipient)
        )
        return rows.all()


async def reminder_count(sessionmaker):
    async with sessionmaker() as db_session:
        return await db_session.scalar(select(func.count()).select_from(Reminder))


@pytest.fixture
async def cancelled(client, sessionmaker, clock, mail_dir):
    """A cohort two teachers booked, cancelled with a bell in its reason: two failed mails."""
    world = await build_world(client, sessionmaker, clock)
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=10), capacity=5)
    for email in TEACHERS:
        token = await teacher_token(client, email)
        booked = await client.post(
            f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(token)
        )
        assert booked.status_code == 201, booked.text
    await settle(client)
    await cancel_as_the_old_edge_let_through(
        sessionmaker, clock, cohort["id"], "The trainer is ill\x07"
    )
    await settle(client)
    failed = await cancellation_rows(sessionmaker)
    assert [(r.status, r.message, r.recipient) for r in failed] == [
        (DeliveryStatus.FAILED, b"", email) for email in TEACHERS
    ]
    assert all(r.last_error.startswith("cannot compose") for r in failed)
    return world, cohort, failed


async def put_the_reason_right(sessionmaker, cohort_id):
    async with sessionmaker() as db_session, db_session.begin():
        await db_session.execute(
            update(Cohort).where(Cohort.id == cohort_id).values(cancel_reason="The trainer is ill.")
        )


async def test_a_retry_composes_the_mail_again_from_current_data_and_sends_it(
    client, sessionmaker, mail_dir, cancelled
):
    world, cohort, failed = cancelled
    await put_the_reason_right(sessionmaker, cohort["id"])
    reminders = await reminder_count(sessionmaker)
    deliveries = len(await _all(sessionmaker))
    ann = failed[0]

    response = await client.post(
        f"/api/v1/admin/notifications/{ann.id}/retry", headers=bearer(world.admin)
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "pending"
    assert response.json()["subject"] != "(booking_cancelled)"
    await settle(client)
    after = await cancellation_rows(sessionmaker)
    assert [(r.id, r.status) for r in after] == [
        (ann.id, DeliveryStatus.SENT),
        (failed[1].id, DeliveryStatus.FAILED),  # only the mail retried is composed again
    ]
    (mail,) = [m for m in to(mail_dir, TEACHERS[0]) if "cancel" in str(m["Subject"]).lower()]
    assert "The trainer is ill." in text_part(mail)
    invite = calendar_part(mail)
    assert invite is not None
    assert b"METHOD:CANCEL" in invite
    # The handler ran again only to compose: it queued nothing else and left the reminders.
    assert len(await _all(sessionmaker)) == deliveries
    assert await reminder_count(sessionmaker) == reminders


async def _all(sessionmaker):
    async with sessionmaker() as db_session:
        return (await db_session.scalars(select(Delivery))).all()


async def test_a_retry_while_the_data_is_still_bad_keeps_it_failed_with_the_reason(
    client, sessionmaker, cancelled
):
    world, _cohort, failed = cancelled
    before = len(await _all(sessionmaker))

    response = await client.post(
        f"/api/v1/admin/notifications/{failed[0].id}/retry", headers=bearer(world.admin)
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "failed"
    assert body["last_error"].startswith("cannot compose")
    assert len(await _all(sessionmaker)) == before
