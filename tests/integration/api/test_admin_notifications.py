"""The admin's view of mail deliveries (docs/contract.md, Email): list by status, requeue a
failure."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.background import mail_context
from booking.errors import AlreadySentError
from booking.ids import new_id
from booking.models import Role
from booking.ports import DeliveryStatus
from booking.repositories.mail_facts import MailFactsReader
from booking.repositories.pagination import encode_cursor
from booking.services.actor import Actor
from booking.services.deliveries import DeliveryService
from booking.settings import Settings
from notifications import admin as admin_rows
from notifications.admin import DeliveryRows
from notifications.models import Delivery
from tests.support.factories import admin_token, bearer, create_hub, create_user

URL = "/api/v1/admin/notifications"


@pytest.fixture
async def admin(sessionmaker, clock):
    return await admin_token(sessionmaker, clock)


@pytest.fixture
def add_delivery(sessionmaker, clock):
    """Insert a row as the dispatcher would have left it; returns its id (newer ids sort later).

    A pending row is not due yet, so the app's own dispatcher (running beside these tests) leaves
    it alone; sent and failed rows it never touches.
    """
    start = clock.now()

    async def add(status: DeliveryStatus, **overrides):
        values = {
            "key": f"event:{new_id()}:sam@example.org:kind",
            "kind": "booking_confirmed",
            "recipient": "sam@example.org",
            "subject": "Your place is confirmed",
            "message": b"From: bookings@booking.test\r\n\r\nhello\r\n",
            "status": status,
            "attempts": 0,
            "next_attempt_at": start - timedelta(hours=1),
            "created_at": start - timedelta(hours=2),
            "updated_at": start - timedelta(hours=1),
        }
        if status is DeliveryStatus.PENDING:
            values |= {"next_attempt_at": start + timedelta(hours=1)}
        if status is DeliveryStatus.SENT:
            values |= {"attempts": 1, "sent_at": start - timedelta(hours=1)}
        if status is DeliveryStatus.FAILED:
            values |= {"attempts": 8, "last_error": "550 mailbox unavailable"}
        delivery = Delivery(**(values | overrides))
        async with sessionmaker() as db_session, db_session.begin():
            db_session.add(delivery)
        return delivery.id

    return add


async def get_row(sessionmaker, delivery_id):
    async with sessionmaker() as db_session:
        return await db_session.get(Delivery, delivery_id)


async def test_lists_every_delivery_newest_first_without_the_message(client, admin, add_delivery):
    ids = [
        await add_delivery(DeliveryStatus.PENDING),
        await add_delivery(DeliveryStatus.SENT),
        await add_delivery(DeliveryStatus.FAILED),
    ]
    response = await client.get(URL, headers=bearer(admin))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [d["id"] for d in body["items"]] == ids[::-1]
    assert body["next_cursor"] is None
    failed = body["items"][0]
    assert failed == {
        "id": ids[2],
        "kind": "booking_confirmed",
        "recipient": "sam@example.org",
        "subject": "Your place is confirmed",
        "status": "failed",
        "attempts": 8,
        "next_attempt_at": "2027-01-11T08:00:00Z",
        "last_error": "550 mailbox unavailable",
        "created_at": "2027-01-11T07:00:00Z",
        "sent_at": None,
        "booking_id": None,
        "session_id": None,
        "event_id": None,
    }


@pytest.mark.parametrize("status", ["pending", "sent", "failed"])
async def test_lists_deliveries_of_one_status(client, admin, add_delivery, status):
    by_status = {s: await add_delivery(s) for s in DeliveryStatus}
    response = await client.get(URL, params={"status": status}, headers=bearer(admin))
    assert response.status_code == 200, response.text
    assert [d["id"] for d in response.json()["items"]] == [by_status[DeliveryStatus(status)]]


async def test_pages_through_a_status_without_duplicates_or_gaps(client, admin, add_delivery):
    failed = []
    for _ in range(7):
        failed.append(await add_delivery(DeliveryStatus.FAILED))
        await add_delivery(DeliveryStatus.SENT)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"status": "failed", "limit": 3} | ({"cursor": cursor} if cursor else {})
        response = await client.get(URL, params=params, headers=bearer(admin))
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= 3
        seen += [d["id"] for d in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == failed[::-1]


async def test_a_new_delivery_does_not_shift_the_pages_after_it(client, admin, add_delivery):
    ids = [await add_delivery(DeliveryStatus.PENDING) for _ in range(4)]
    first = (await client.get(URL, params={"limit": 2}, headers=bearer(admin))).json()
    await add_delivery(DeliveryStatus.PENDING)
    second = (
        await client.get(
            URL, params={"limit": 2, "cursor": first["next_cursor"]}, headers=bearer(admin)
        )
    ).json()
    assert [d["id"] for d in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"status": "queued"},
        {"status": ""},
        {"limit": 0},
        {"limit": 201},
        {"limit": "x"},
        {"cursor": "abc"},
        {"cursor": encode_cursor("\x00")},
        {"state": "failed"},
        {"status": "failed", "offset": "10"},
    ],
)
async def test_bad_query_parameters_are_400(client, admin, params):
    response = await client.get(URL, params=params, headers=bearer(admin))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "validation_error"


async def test_a_retry_takes_no_query_parameters(client, admin, add_delivery):
    failed = await add_delivery(DeliveryStatus.FAILED)
    response = await client.post(
        f"{URL}/{failed}/retry", params={"force": "true"}, headers=bearer(admin)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


async def test_an_unknown_parameter_is_named_in_the_problem(client, admin):
    response = await client.get(URL, params={"recipient": "x"}, headers=bearer(admin))
    assert response.json()["errors"] == [
        {"field": "recipient", "message": "is not a parameter here"}
    ]


@pytest.mark.parametrize("role", ["hub_admin", "trainer", "teacher"])
async def test_other_roles_are_403(client, admin, add_delivery, role):
    failed = await add_delivery(DeliveryStatus.FAILED)
    hub = await create_hub(client, admin)
    user = await create_user(
        client, admin, f"{role}@example.org", role, None if role == "teacher" else hub["id"]
    )
    headers = bearer(user["api_token"])
    listed = await client.get(URL, params={"status": "bogus"}, headers=headers)
    assert listed.status_code == 403
    assert listed.json()["code"] == "forbidden"
    retried = await client.post(f"{URL}/{failed}/retry", headers=headers)
    assert retried.status_code == 403
    assert (await client.get(URL, headers=bearer(admin))).json()["items"][0]["status"] == "failed"


async def test_no_token_is_401(client, add_delivery):
    failed = await add_delivery(DeliveryStatus.FAILED)
    listed = await client.get(URL)
    assert listed.status_code == 401
    assert listed.json()["code"] == "unauthorized"
    assert (await client.post(f"{URL}/{failed}/retry")).status_code == 401


async def test_retrying_a_failed_delivery_answers_it_queued_now_with_fresh_attempts(
    client, admin, clock, add_delivery
):
    failed = await add_delivery(DeliveryStatus.FAILED)
    clock.advance(timedelta(minutes=5))
    response = await client.post(f"{URL}/{failed}/retry", headers=bearer(admin))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "pending"
    assert body["attempts"] == 0
    assert body["next_attempt_at"] == "2027-01-11T09:05:00Z"
    assert body["last_error"] == "550 mailbox unavailable"
    # The stored row is checked below without the app: its dispatcher would send it at once.


async def test_retrying_a_sent_delivery_is_409_already_sent(
    client, admin, sessionmaker, add_delivery
):
    sent = await add_delivery(DeliveryStatus.SENT)
    response = await client.post(f"{URL}/{sent}/retry", headers=bearer(admin))
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "already_sent"
    assert problem["type"] == "/problems/already_sent"
    assert problem["status"] == 409
    row = await get_row(sessionmaker, sent)
    assert row.status is DeliveryStatus.SENT
    assert row.attempts == 1


async def test_retrying_a_pending_delivery_changes_nothing(
    client, admin, clock, sessionmaker, add_delivery
):
    # Due and claimed: a sender (not this app's, its lease is in the future) is sending it.
    start = clock.now()
    claimed = start + timedelta(hours=1)
    pending = await add_delivery(
        DeliveryStatus.PENDING,
        attempts=2,
        next_attempt_at=start - timedelta(minutes=1),
        claimed_until=claimed,
    )
    before = (await client.get(URL, headers=bearer(admin))).json()["items"][0]
    clock.advance(timedelta(minutes=5))
    response = await client.post(f"{URL}/{pending}/retry", headers=bearer(admin))
    assert response.status_code == 200, response.text
    assert response.json() == before
    row = await get_row(sessionmaker, pending)
    assert (row.attempts, row.claimed_until, row.updated_at) == (
        2,
        claimed,
        start - timedelta(hours=1),
    )


@pytest.mark.parametrize("delivery_id", [new_id(), "x" * 300], ids=["unknown-id", "too-long"])
async def test_retrying_an_unknown_delivery_is_404(client, admin, delivery_id):
    response = await client.post(f"{URL}/{delivery_id}/retry", headers=bearer(admin))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_a_nul_in_the_delivery_id_is_a_400(client, admin):
    response = await client.post(f"{URL}/%00/retry", headers=bearer(admin))
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


async def hold_row_as_sent_while(sessionmaker, delivery_id, retry):
    """A sender records the row as sent inside a transaction that holds the row lock, while
    `retry` starts; the retry's result once the sender has committed."""
    async with sessionmaker() as sender, sender.begin():
        row = await sender.scalar(
            select(Delivery).where(Delivery.id == delivery_id).with_for_update()
        )
        row.status = DeliveryStatus.SENT
        await sender.flush()
        task = asyncio.create_task(retry())
        await asyncio.sleep(0.5)
        assert not task.done()
    return await asyncio.wait_for(task, 30)


def retry_as_admin(sessionmaker, clock, delivery_id):
    # The service itself, on its own session: the test client runs the app in another thread
    # and blocks this event loop while a request is in flight, so it cannot race a transaction.
    admin = Actor(id=new_id(), email="admin@example.org", role=Role.ADMIN, hub_id=None)

    async def retry():
        async with sessionmaker() as db_session:
            rows = DeliveryRows(facts=MailFactsReader(), context=mail_context(Settings(), clock))
            return await DeliveryService(clock, rows).retry(db_session, admin, delivery_id)

    return retry


async def test_a_retried_failure_is_stored_due_now_with_its_lease_cleared(
    sessionmaker, clock, add_delivery
):
    failed = await add_delivery(
        DeliveryStatus.FAILED, claimed_until=clock.now() - timedelta(minutes=30)
    )
    clock.advance(timedelta(minutes=5))
    await retry_as_admin(sessionmaker, clock, failed)()
    row = await get_row(sessionmaker, failed)
    assert row.status is DeliveryStatus.PENDING
    assert row.attempts == 0
    assert row.next_attempt_at == clock.now()
    assert row.updated_at == clock.now()
    assert row.claimed_until is None
    assert row.last_error == "550 mailbox unavailable"
    assert row.message == b"From: bookings@booking.test\r\n\r\nhello\r\n"


async def test_a_retry_waits_for_a_sender_holding_the_row(sessionmaker, clock, add_delivery):
    failed = await add_delivery(DeliveryStatus.FAILED)
    with pytest.raises(AlreadySentError):
        await hold_row_as_sent_while(
            sessionmaker, failed, retry_as_admin(sessionmaker, clock, failed)
        )
    assert (await get_row(sessionmaker, failed)).status is DeliveryStatus.SENT


async def test_control_without_the_row_lock_a_retry_overwrites_a_sent_mail(
    sessionmaker, clock, add_delivery, is_postgres, monkeypatch
):
    # Shows the test above can fail: without FOR UPDATE, PostgreSQL lets the retry read the row
    # as failed at once and write it back as pending over the sender's "sent", so the mail
    # would go out twice. (SQLite's BEGIN IMMEDIATE serialises the two anyway.)
    if not is_postgres:
        pytest.skip("SQLite serialises whole transactions; only PostgreSQL needs the row lock")

    async def unlocked(db_session, delivery_id):
        return await db_session.get(Delivery, delivery_id)

    monkeypatch.setattr(admin_rows, "locked_row", unlocked)
    failed = await add_delivery(DeliveryStatus.FAILED)
    retried = await hold_row_as_sent_while(
        sessionmaker, failed, retry_as_admin(sessionmaker, clock, failed)
    )
    assert retried.status is DeliveryStatus.PENDING
    assert (await get_row(sessionmaker, failed)).status is DeliveryStatus.PENDING
