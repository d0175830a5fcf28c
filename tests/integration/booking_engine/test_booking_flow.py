"""Bookings and the waitlist through the API (docs/contract.md, Bookings and the waitlist)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.models import Booking, OutboxEvent
from tests.support.engine import (
    add_session,
    add_trainer,
    create_cohort,
    published_cohort,
    teacher_token,
)
from tests.support.factories import bearer, create_venue
from tests.support.faults import commits_fail


async def book(client, token, cohort_id, **body):
    return await client.post(
        f"/api/v1/cohorts/{cohort_id}/bookings", json=body, headers=bearer(token)
    )


async def test_confirm_then_waitlist_in_order(client, world, start, mail_dir):
    cohort = await published_cohort(client, world, start, capacity=2)
    tokens = [await teacher_token(client, f"t{i}@school.example") for i in range(4)]
    results = [(await book(client, t, cohort["id"])) for t in tokens]
    assert [r.status_code for r in results] == [201] * 4
    assert [r.json()["status"] for r in results] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]
    assert [r.json()["waitlist_position"] for r in results] == [None, None, 1, 2]
    read = (await client.get(f"/api/v1/cohorts/{cohort['id']}")).json()
    assert (read["seats_left"], read["confirmed_count"], read["waitlist_length"]) == (0, 2, 2)


async def test_cancel_promotes_the_first_waiting_in_auto_mode(client, world, start, mail_dir):
    cohort = await published_cohort(client, world, start, capacity=1)
    first, second, third = [await teacher_token(client, f"t{i}@school.example") for i in range(3)]
    held = (await book(client, first, cohort["id"])).json()
    waiting = (await book(client, second, cohort["id"])).json()
    last = (await book(client, third, cohort["id"])).json()
    cancelled = await client.delete(f"/api/v1/bookings/{held['id']}", headers=bearer(first))
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["late"] is False
    promoted = (
        await client.get(f"/api/v1/bookings/{waiting['id']}", headers=bearer(second))
    ).json()
    assert promoted["status"] == "confirmed"
    assert (await client.get(f"/api/v1/bookings/{last['id']}", headers=bearer(third))).json()[
        "waitlist_position"
    ] == 1


async def test_cancelling_twice_is_a_no_op(client, world, start, mail_dir):
    cohort = await published_cohort(client, world, start)
    token = await teacher_token(client, "t@school.example")
    booking = (await book(client, token, cohort["id"])).json()
    first = await client.delete(f"/api/v1/bookings/{booking['id']}", headers=bearer(token))
    again = await client.delete(f"/api/v1/bookings/{booking['id']}", headers=bearer(token))
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()


async def test_late_cancellation_inside_48_hours(client, world, clock, mail_dir):
    cohort = await published_cohort(client, world, clock.now() + timedelta(hours=47))
    token = await teacher_token(client, "t@school.example")
    booking = (await book(client, token, cohort["id"])).json()
    assert (await client.delete(f"/api/v1/bookings/{booking['id']}", headers=bearer(token))).json()[
        "late"
    ] is True


async def test_already_booked(client, world, start, mail_dir):
    cohort = await published_cohort(client, world, start)
    token = await teacher_token(client, "t@school.example")
    assert (await book(client, token, cohort["id"])).status_code == 201
    again = await book(client, token, cohort["id"])
    assert again.status_code == 409
    assert again.json()["code"] == "already_booked"


async def test_offer_mode_offers_then_accept(client, world, start, mail_dir, clock):
    cohort = await published_cohort(
        client, world, start, capacity=1, waitlist_mode="offer", offer_ttl="PT2H"
    )
    first, second = [await teacher_token(client, f"t{i}@school.example") for i in range(2)]
    held = (await book(client, first, cohort["id"])).json()
    waiting = (await book(client, second, cohort["id"])).json()
    await client.delete(f"/api/v1/bookings/{held['id']}", headers=bearer(first))
    offered = (await client.get(f"/api/v1/bookings/{waiting['id']}", headers=bearer(second))).json()
    assert offered["status"] == "offered"
    assert offered["offer_expires_at"] == (clock.now() + timedelta(hours=2)).isoformat().replace(
        "+00:00", "Z"
    )
    accepted = await client.post(f"/api/v1/bookings/{waiting['id']}/accept", headers=bearer(second))
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "confirmed"


async def test_expired_offer_is_409_and_passes_on(client, world, start, mail_dir, clock):
    cohort = await published_cohort(
        client, world, start, capacity=1, waitlist_mode="offer", offer_ttl="PT1H"
    )
    a, b, c = [await teacher_token(client, f"t{i}@school.example") for i in range(3)]
    held = (await book(client, a, cohort["id"])).json()
    second = (await book(client, b, cohort["id"])).json()
    third = (await book(client, c, cohort["id"])).json()
    await client.delete(f"/api/v1/bookings/{held['id']}", headers=bearer(a))
    clock.advance(timedelta(hours=1))
    late = await client.post(f"/api/v1/bookings/{second['id']}/accept", headers=bearer(b))
    assert late.status_code == 409
    assert late.json()["code"] == "offer_expired"
    assert (await client.get(f"/api/v1/bookings/{second['id']}", headers=bearer(b))).json()[
        "status"
    ] == "expired"
    assert (await client.get(f"/api/v1/bookings/{third['id']}", headers=bearer(c))).json()[
        "status"
    ] == "offered"


async def test_answering_a_booking_never_offered_is_not_offered(client, world, start, mail_dir):
    cohort = await published_cohort(client, world, start)
    token = await teacher_token(client, "t@school.example")
    booking = (await book(client, token, cohort["id"])).json()
    for verb in ("accept", "decline"):
        response = await client.post(
            f"/api/v1/bookings/{booking['id']}/{verb}", headers=bearer(token)
        )
        assert response.json()["code"] == "not_offered"


async def test_no_promotion_inside_the_cutoff_but_the_seat_is_bookable(
    client, world, clock, mail_dir
):
    cohort = await published_cohort(client, world, clock.now() + timedelta(hours=20), capacity=1)
    a, b, c = [await teacher_token(client, f"t{i}@school.example") for i in range(3)]
    held = (await book(client, a, cohort["id"])).json()
    waiting = (await book(client, b, cohort["id"])).json()
    await client.delete(f"/api/v1/bookings/{held['id']}", headers=bearer(a))
    assert (await client.get(f"/api/v1/bookings/{waiting['id']}", headers=bearer(b))).json()[
        "status"
    ] == "waitlisted"
    again = await book(client, b, cohort["id"])
    assert again.status_code == 200
    assert again.json()["id"] == waiting["id"]
    assert again.json()["status"] == "confirmed"
    assert (await book(client, c, cohort["id"])).json()["status"] == "waitlisted"


async def test_waitlist_full(client, world, start, mail_dir):
    cohort = await published_cohort(client, world, start, capacity=1, waitlist_capacity=1)
    a, b, c = [await teacher_token(client, f"t{i}@school.example") for i in range(3)]
    await book(client, a, cohort["id"])
    await book(client, b, cohort["id"])
    full = await book(client, c, cohort["id"])
    assert full.json()["code"] == "waitlist_full"


async def test_booking_closed_for_drafts_and_started_cohorts(client, world, clock, mail_dir):
    token = await teacher_token(client, "t@school.example")
    draft = await create_cohort(client, world)
    await add_session(client, world, draft["id"], clock.now() + timedelta(days=3))
    assert (await book(client, token, draft["id"])).json()["code"] == "booking_closed"
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=1))
    clock.advance(timedelta(days=1, minutes=1))
    assert (await book(client, token, cohort["id"])).json()["code"] == "booking_closed"


async def test_booking_clash_with_another_booked_session(
    client, world, start, mail_dir, sessionmaker, clock
):
    token = await teacher_token(client, "t@school.example")
    first = await published_cohort(client, world, start)
    assert (await book(client, token, first["id"])).status_code == 201
    other_trainer = await add_trainer(client, world, "tom@example.org")
    room = await create_venue(client, world.hub_admin, world.hub["id"], name="Room 2")
    second = await published_cohort(
        client,
        world,
        start + timedelta(hours=1),
        trainer_id=other_trainer["user"]["id"],
        venue_id=room["id"],
    )
    clash = await book(client, token, second["id"])
    assert clash.status_code == 409
    assert clash.json()["code"] == "booking_clash"
    assert clash.json()["clashes"][0]["session_id"] == second["sessions"][0]["id"]


async def test_idempotency_key_replays_and_refuses_reuse(client, world, start, mail_dir):
    cohort = await published_cohort(client, world, start)
    token = await teacher_token(client, "t@school.example")
    headers = bearer(token) | {"Idempotency-Key": "abc-123"}
    first = await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=headers)
    again = await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    other = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings", json={"accept_clashes": True}, headers=headers
    )
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reuse"


async def test_capacity_rise_promotes_and_drop_below_bookings_is_refused(
    client, world, start, mail_dir
):
    cohort = await published_cohort(client, world, start, capacity=1)
    a, b = [await teacher_token(client, f"t{i}@school.example") for i in range(2)]
    await book(client, a, cohort["id"])
    waiting = (await book(client, b, cohort["id"])).json()
    url = f"/api/v1/cohorts/{cohort['id']}"
    assert (
        await client.patch(url, json={"capacity": 2}, headers=bearer(world.hub_admin))
    ).status_code == 200
    assert (await client.get(f"/api/v1/bookings/{waiting['id']}", headers=bearer(b))).json()[
        "status"
    ] == "confirmed"
    refused = await client.patch(url, json={"capacity": 1}, headers=bearer(world.hub_admin))
    assert refused.json()["code"] == "capacity_below_bookings"
    too_big = await client.patch(url, json={"capacity": 31}, headers=bearer(world.hub_admin))
    assert too_big.json()["code"] == "capacity_exceeds_venue"


async def test_cohort_cancel_cancels_every_booking(client, world, start, mail_dir):
    cohort = await published_cohort(client, world, start, capacity=1)
    a, b = [await teacher_token(client, f"t{i}@school.example") for i in range(2)]
    one = (await book(client, a, cohort["id"])).json()
    two = (await book(client, b, cohort["id"])).json()
    response = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/cancel",
        json={"reason": "Trainer ill"},
        headers=bearer(world.hub_admin),
    )
    assert response.json()["status"] == "cancelled"
    assert all(s["status"] == "cancelled" for s in response.json()["sessions"])
    for token, booking in ((a, one), (b, two)):
        assert (
            await client.get(f"/api/v1/bookings/{booking['id']}", headers=bearer(token))
        ).json()["status"] == "cancelled"


async def test_roster_and_csv(client, world, start, mail_dir):
    cohort = await published_cohort(client, world, start, capacity=1)
    a, b = [await teacher_token(client, f"t{i}@school.example") for i in range(2)]
    await client.patch(
        "/api/v1/me", json={"name": "=HYPERLINK()", "school": "Oak"}, headers=bearer(a)
    )
    await book(client, a, cohort["id"])
    await book(client, b, cohort["id"])
    roster = await client.get(
        f"/api/v1/cohorts/{cohort['id']}/roster", headers=bearer(world.trainer["api_token"])
    )
    assert roster.status_code == 200
    body = roster.json()
    assert [len(body["confirmed"]), len(body["offered"]), len(body["waitlist"])] == [1, 0, 1]
    csv = await client.get(
        f"/api/v1/cohorts/{cohort['id']}/roster.csv", headers=bearer(world.hub_admin)
    )
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0].startswith("status,")
    assert "'=HYPERLINK()" in csv.text
    assert len(lines) == 3
    teacher_view = await client.get(f"/api/v1/cohorts/{cohort['id']}/roster", headers=bearer(a))
    assert teacher_view.status_code == 404


async def test_attendance_opens_30_minutes_before(client, world, clock, mail_dir):
    start = clock.now() + timedelta(days=2)
    cohort = await published_cohort(client, world, start)
    token = await teacher_token(client, "t@school.example")
    booking = (await book(client, token, cohort["id"])).json()
    url = f"/api/v1/sessions/{cohort['sessions'][0]['id']}/attendance"
    body = {"records": [{"booking_id": booking["id"], "status": "attended"}]}
    early = await client.put(url, json=body, headers=bearer(world.trainer["api_token"]))
    assert early.json()["code"] == "attendance_not_open"
    clock.set(start - timedelta(minutes=30))
    ok = await client.put(url, json=body, headers=bearer(world.trainer["api_token"]))
    assert ok.status_code == 200, ok.text
    assert ok.json()["records"][0]["status"] == "attended"


@pytest.mark.timer
async def test_an_unanswered_offer_expires_within_five_seconds(
    client, world, start, mail_dir, clock
):
    cohort = await published_cohort(
        client, world, start, capacity=1, waitlist_mode="offer", offer_ttl="PT1H"
    )
    a, b, c = [await teacher_token(client, f"t{i}@school.example") for i in range(3)]
    held = (await book(client, a, cohort["id"])).json()
    second = (await book(client, b, cohort["id"])).json()
    third = (await book(client, c, cohort["id"])).json()
    await client.delete(f"/api/v1/bookings/{held['id']}", headers=bearer(a))
    clock.advance(timedelta(hours=1))
    # Nobody calls the API: the in-process timer must expire the offer and offer the seat on.
    deadline = asyncio.get_running_loop().time() + 5
    while asyncio.get_running_loop().time() < deadline:
        status = (await client.get(f"/api/v1/bookings/{third['id']}", headers=bearer(c))).json()[
            "status"
        ]
        if status == "offered":
            break
        await asyncio.sleep(0.2)
    assert status == "offered"
    assert (await client.get(f"/api/v1/bookings/{second['id']}", headers=bearer(b))).json()[
        "status"
    ] == "expired"


async def test_every_change_appends_its_events_to_the_outbox(
    client, world, start, mail_dir, sessionmaker
):
    cohort = await published_cohort(client, world, start, capacity=1)
    a, b = [await teacher_token(client, f"t{i}@school.example") for i in range(2)]
    held = (await book(client, a, cohort["id"])).json()
    waiting = (await book(client, b, cohort["id"])).json()
    await client.delete(f"/api/v1/bookings/{held['id']}", headers=bearer(a))
    async with sessionmaker() as db_session:
        events = (await db_session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all()
    kinds = [e.kind for e in events]
    # A handler finds the booking from its event: a new booking's id is in its first event.
    assert {e.payload["booking_id"] for e in events if e.kind.startswith("Booking")} == {
        held["id"],
        waiting["id"],
    }
    assert kinds[-5:] == [
        "BookingConfirmed",
        "BookingWaitlisted",
        "SeatFreed",
        "BookingCancelled",
        "BookingConfirmed",
    ]
    assert "CohortPublished" in kinds


async def test_a_failed_commit_of_a_booking_is_an_error(
    client, app, world, start, mail_dir, sessionmaker
):
    cohort = await published_cohort(client, world, start)
    token = await teacher_token(client, "t@school.example")
    with commits_fail(app):
        response = await book(client, token, cohort["id"])
    assert response.status_code >= 500
    async with sessionmaker() as db_session:
        assert (await db_session.scalars(select(Booking))).all() == []
