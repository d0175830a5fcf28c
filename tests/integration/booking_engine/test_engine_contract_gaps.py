"""Contract behaviour of cohorts, sessions and bookings that had no test
(docs/contract.md, "Courses, cohorts and sessions" and "Bookings and the waitlist"), pinned as
built."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from booking.events import BookingOffered, SessionPlace, SessionRescheduled, from_row
from booking.models import Booking, OutboxEvent
from tests.support.engine import (
    add_session,
    add_trainer,
    create_cohort,
    published_cohort,
    teacher_token,
)
from tests.support.factories import bearer, create_hub, create_venue


def z(moment: datetime) -> str:
    """How the API writes a UTC datetime."""
    return moment.isoformat().replace("+00:00", "Z")


async def book(client, token, cohort_id, **body):
    return await client.post(
        f"/api/v1/cohorts/{cohort_id}/bookings", json=body, headers=bearer(token)
    )


async def teachers(client, mail_dir, count):
    return [await teacher_token(client, f"t{i}@school.example") for i in range(count)]


async def listed_ids(client, **params):
    response = await client.get("/api/v1/cohorts", params=params)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


def typed(row):
    """The stored event as the dispatcher reads it."""
    return from_row(row.kind, row.payload)


async def outbox(sessionmaker):
    async with sessionmaker() as db_session:
        return (await db_session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all()


async def booking_count(sessionmaker):
    async with sessionmaker() as db_session:
        return await db_session.scalar(select(func.count()).select_from(Booking))


# 1. GET /api/v1/cohorts: `from` and `to` select cohorts with a live session overlapping the
# window, half-open: a session starting exactly at `to`, or ending exactly at `from`, is out.


async def test_cohort_list_to_filter_and_from_to_window(client, world, start):
    early = await published_cohort(client, world, start)
    mid_start = start + timedelta(days=1)
    mid = await published_cohort(client, world, mid_start)
    late = await published_cohort(client, world, start + timedelta(days=2))
    mid_end = mid_start + timedelta(hours=2)

    # `to` alone: cohorts with a session starting before it.
    assert await listed_ids(client, to=z(mid_start)) == [early["id"]]
    assert await listed_ids(client, to=z(mid_start + timedelta(minutes=1))) == [
        early["id"],
        mid["id"],
    ]
    assert await listed_ids(client, to=z(start)) == []
    # `from` alone: cohorts with a session ending after it.
    assert await listed_ids(client, **{"from": z(mid_end)}) == [late["id"]]
    assert await listed_ids(client, **{"from": z(mid_end - timedelta(minutes=1))}) == [
        mid["id"],
        late["id"],
    ]
    # Both: the window between the early cohort's end and the late one's start holds only mid.
    assert await listed_ids(
        client,
        **{"from": z(start + timedelta(hours=2)), "to": z(start + timedelta(days=2))},
    ) == [mid["id"]]
    # A window inside a session still finds it.
    assert await listed_ids(
        client,
        **{"from": z(mid_start + timedelta(minutes=30)), "to": z(mid_start + timedelta(hours=1))},
    ) == [mid["id"]]
    # A window between sessions finds nothing.
    assert (
        await listed_ids(
            client, **{"from": z(mid_end), "to": z(start + timedelta(days=2) - timedelta(hours=1))}
        )
        == []
    )


async def test_cohort_list_dates_ignore_cancelled_sessions(client, world, start):
    cohort = await create_cohort(client, world)
    inside = (await add_session(client, world, cohort["id"], start)).json()
    assert (
        await add_session(client, world, cohort["id"], start + timedelta(days=5))
    ).status_code == 201
    assert (
        await client.post(
            f"/api/v1/cohorts/{cohort['id']}/publish", headers=bearer(world.hub_admin)
        )
    ).status_code == 200
    window = {"from": z(start - timedelta(hours=1)), "to": z(start + timedelta(days=1))}
    assert await listed_ids(client, **window) == [cohort["id"]]
    cancelled = await client.delete(
        f"/api/v1/sessions/{inside['id']}", headers=bearer(world.hub_admin)
    )
    assert cancelled.status_code == 200
    assert await listed_ids(client, **window) == []
    assert await listed_ids(client, **{"from": z(start + timedelta(days=4))}) == [cohort["id"]]


# 2. booking_closed on a cancelled cohort.


async def test_booking_a_cancelled_cohort_is_booking_closed(
    client, world, start, mail_dir, sessionmaker
):
    cohort = await published_cohort(client, world, start)
    token = await teacher_token(client, "t@school.example")
    cancelled = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/cancel",
        json={"reason": "Venue flooded"},
        headers=bearer(world.hub_admin),
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    refused = await book(client, token, cohort["id"])
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "booking_closed"
    assert refused.json()["status"] == 409
    assert await booking_count(sessionmaker) == 0
    assert await listed_ids(client) == []


# 3. A session's own venue: POST with venue_id, the venue's capacity, PATCH moving it.


async def test_session_venue_override_on_create(client, world, start):
    cohort = await create_cohort(client, world, capacity=5)
    room = await create_venue(client, world.hub_admin, world.hub["id"], name="Room 2", capacity=5)
    made = await add_session(client, world, cohort["id"], start, venue_id=room["id"])
    assert made.status_code == 201, made.text
    assert (made.json()["venue_id"], made.json()["sequence"], made.json()["status"]) == (
        room["id"],
        0,
        "scheduled",
    )
    # Without venue_id the cohort's venue is used.
    default = await add_session(client, world, cohort["id"], start + timedelta(days=1))
    assert default.json()["venue_id"] == world.venue["id"]

    cupboard = await create_venue(
        client, world.hub_admin, world.hub["id"], name="Cupboard", capacity=4
    )
    too_small = await add_session(
        client, world, cohort["id"], start + timedelta(days=2), venue_id=cupboard["id"]
    )
    assert too_small.status_code == 409
    assert too_small.json()["code"] == "capacity_exceeds_venue"

    other_hub = await create_hub(client, world.admin, name="Other")
    elsewhere = await create_venue(client, world.admin, other_hub["id"], name="Far away")
    foreign = await add_session(
        client, world, cohort["id"], start + timedelta(days=3), venue_id=elsewhere["id"]
    )
    assert foreign.status_code == 400
    assert foreign.json()["code"] == "validation_error"
    assert foreign.json()["errors"][0]["field"] == "venue_id"

    sessions = (
        await client.get(f"/api/v1/cohorts/{cohort['id']}", headers=bearer(world.hub_admin))
    ).json()["sessions"]
    assert [s["venue_id"] for s in sessions] == [room["id"], world.venue["id"]]


async def test_session_venue_move_by_patch(client, world, start):
    cohort = await create_cohort(client, world, capacity=5)
    session = (await add_session(client, world, cohort["id"], start)).json()
    room = await create_venue(client, world.hub_admin, world.hub["id"], name="Room 2")
    url = f"/api/v1/sessions/{session['id']}"

    moved = await client.patch(url, json={"venue_id": room["id"]}, headers=bearer(world.hub_admin))
    assert moved.status_code == 200, moved.text
    assert (moved.json()["venue_id"], moved.json()["sequence"]) == (room["id"], 1)
    assert (moved.json()["starts_at"], moved.json()["ends_at"]) == (
        session["starts_at"],
        session["ends_at"],
    )
    # The old room is free again at that time.
    other_trainer = await add_trainer(client, world, "tom@example.org")
    neighbour = await create_cohort(client, world, trainer_id=other_trainer["user"]["id"])
    assert (await add_session(client, world, neighbour["id"], start)).status_code == 201

    # Room 3 is taken at that time by another cohort (another trainer): moving there is refused.
    busy = await create_venue(client, world.hub_admin, world.hub["id"], name="Room 3")
    third_trainer = await add_trainer(client, world, "ann@example.org")
    occupant = await create_cohort(
        client, world, trainer_id=third_trainer["user"]["id"], venue_id=busy["id"]
    )
    assert (
        await add_session(client, world, occupant["id"], start + timedelta(hours=1))
    ).status_code == 201
    clash = await client.patch(url, json={"venue_id": busy["id"]}, headers=bearer(world.hub_admin))
    assert clash.status_code == 409
    assert clash.json()["code"] == "venue_double_booked"

    cupboard = await create_venue(
        client, world.hub_admin, world.hub["id"], name="Cupboard", capacity=4
    )
    small = await client.patch(
        url, json={"venue_id": cupboard["id"]}, headers=bearer(world.hub_admin)
    )
    assert small.status_code == 409
    assert small.json()["code"] == "capacity_exceeds_venue"

    # Refused moves change nothing; moving back bumps the sequence again.
    after = (
        await client.get(f"/api/v1/cohorts/{cohort['id']}", headers=bearer(world.hub_admin))
    ).json()["sessions"]
    assert [(s["venue_id"], s["sequence"]) for s in after] == [(room["id"], 1)]
    back = await client.patch(
        url, json={"venue_id": world.venue["id"]}, headers=bearer(world.hub_admin)
    )
    # Neighbour now holds the cohort's own room at that time.
    assert back.status_code == 409
    assert back.json()["code"] == "venue_double_booked"
    later = await client.patch(
        url,
        json={
            "venue_id": world.venue["id"],
            "starts_at": z(start + timedelta(hours=2)),
            "ends_at": z(start + timedelta(hours=4)),
        },
        headers=bearer(world.hub_admin),
    )
    assert later.status_code == 200, later.text
    assert (later.json()["venue_id"], later.json()["sequence"]) == (world.venue["id"], 2)


# 4. GET /api/v1/me/bookings.


async def test_my_bookings_live_positions_offers_and_paging(client, world, start, mail_dir, clock):
    auto = await published_cohort(client, world, start, capacity=1)
    offer = await published_cohort(
        client,
        world,
        start + timedelta(days=1),
        capacity=1,
        waitlist_mode="offer",
        offer_ttl="PT3H",
    )
    holder, ahead, me = await teachers(client, mail_dir, 3)
    held = (await book(client, holder, auto["id"])).json()
    first_waiting = (await book(client, ahead, auto["id"])).json()
    mine_auto = (await book(client, me, auto["id"])).json()
    assert mine_auto["waitlist_position"] == 2
    offer_held = (await book(client, holder, offer["id"])).json()
    mine_offer = (await book(client, me, offer["id"])).json()
    assert mine_offer["status"] == "waitlisted"

    listing = await client.get("/api/v1/me/bookings", headers=bearer(me))
    assert listing.status_code == 200
    body = listing.json()
    assert body["next_cursor"] is None
    assert [(b["id"], b["status"], b["waitlist_position"]) for b in body["items"]] == [
        (mine_auto["id"], "waitlisted", 2),
        (mine_offer["id"], "waitlisted", 1),
    ]
    assert all(b["offer_expires_at"] is None for b in body["items"])

    # The one ahead leaves: position 2 becomes 1.
    gone = await client.delete(f"/api/v1/bookings/{first_waiting['id']}", headers=bearer(ahead))
    assert gone.status_code == 200
    # The offer-mode seat frees up: it is offered to me, with its expiry.
    freed = await client.delete(f"/api/v1/bookings/{offer_held['id']}", headers=bearer(holder))
    assert freed.status_code == 200
    items = (await client.get("/api/v1/me/bookings", headers=bearer(me))).json()["items"]
    assert [
        (b["id"], b["cohort_id"], b["status"], b["waitlist_position"], b["offer_expires_at"])
        for b in items
    ] == [
        (mine_auto["id"], auto["id"], "waitlisted", 1, None),
        (mine_offer["id"], offer["id"], "offered", None, z(clock.now() + timedelta(hours=3))),
    ]

    # Another teacher sees only their own bookings (one live, one cancelled).
    theirs = (await client.get("/api/v1/me/bookings", headers=bearer(holder))).json()
    assert [(b["id"], b["status"]) for b in theirs["items"]] == [
        (held["id"], "confirmed"),
        (offer_held["id"], "cancelled"),
    ]
    assert {b["id"] for b in theirs["items"]}.isdisjoint({mine_auto["id"], mine_offer["id"]})

    # Paging: limit=1 gives a cursor; following it gives the rest and no further cursor.
    first_page = await client.get("/api/v1/me/bookings", params={"limit": 1}, headers=bearer(me))
    assert first_page.status_code == 200
    assert [b["id"] for b in first_page.json()["items"]] == [mine_auto["id"]]
    cursor = first_page.json()["next_cursor"]
    assert isinstance(cursor, str)
    assert cursor
    second_page = await client.get(
        "/api/v1/me/bookings", params={"limit": 1, "cursor": cursor}, headers=bearer(me)
    )
    assert second_page.status_code == 200
    assert [b["id"] for b in second_page.json()["items"]] == [mine_offer["id"]]
    assert second_page.json()["next_cursor"] is None

    for bad in ({"limit": 0}, {"limit": 201}, {"cursor": "not-a-cursor"}):
        refused = await client.get("/api/v1/me/bookings", params=bad, headers=bearer(me))
        assert refused.status_code == 400, bad
        assert refused.json()["code"] == "validation_error"
    assert (await client.get("/api/v1/me/bookings")).status_code == 401


# 5. Attendance: who may record and read it, and what it accepts.


async def test_attendance_round_trip_and_who_may_record_it(
    client, world, clock, mail_dir, sessionmaker
):
    start = clock.now() + timedelta(days=2)
    cohort = await published_cohort(client, world, start, capacity=2)
    a, b, c = await teachers(client, mail_dir, 3)
    one = (await book(client, a, cohort["id"])).json()
    two = (await book(client, b, cohort["id"])).json()
    waiting = (await book(client, c, cohort["id"])).json()
    assert waiting["status"] == "waitlisted"
    url = f"/api/v1/sessions/{cohort['sessions'][0]['id']}/attendance"
    clock.set(start - timedelta(minutes=30))

    def statuses(response):
        assert response.status_code == 200, response.text
        assert response.json()["session_id"] == cohort["sessions"][0]["id"]
        return {r["booking_id"]: r["status"] for r in response.json()["records"]}

    unmarked = await client.get(url, headers=bearer(world.trainer["api_token"]))
    assert statuses(unmarked) == {one["id"]: None, two["id"]: None}
    assert {r["email"] for r in unmarked.json()["records"]} == {
        "t0@school.example",
        "t1@school.example",
    }

    by_trainer = await client.put(
        url,
        json={"records": [{"booking_id": one["id"], "status": "attended"}]},
        headers=bearer(world.trainer["api_token"]),
    )
    assert statuses(by_trainer) == {one["id"]: "attended", two["id"]: None}
    assert statuses(await client.get(url, headers=bearer(world.hub_admin))) == {
        one["id"]: "attended",
        two["id"]: None,
    }

    by_hub_admin = await client.put(
        url,
        json={"records": [{"booking_id": two["id"], "status": "absent"}]},
        headers=bearer(world.hub_admin),
    )
    assert statuses(by_hub_admin) == {one["id"]: "attended", two["id"]: "absent"}

    by_admin = await client.put(
        url,
        json={"records": [{"booking_id": one["id"], "status": "absent"}]},
        headers=bearer(world.admin),
    )
    assert statuses(by_admin) == {one["id"]: "absent", two["id"]: "absent"}
    assert statuses(await client.get(url, headers=bearer(world.admin))) == {
        one["id"]: "absent",
        two["id"]: "absent",
    }

    # A teacher (even one booked on it) and another trainer of the hub: 404, as if not there.
    stranger = await add_trainer(client, world, "tom@example.org")
    body = {"records": [{"booking_id": one["id"], "status": "attended"}]}
    for token in (a, stranger["api_token"]):
        for response in (
            await client.get(url, headers=bearer(token)),
            await client.put(url, json=body, headers=bearer(token)),
        ):
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"

    # A booking of another cohort, or one of this cohort that is only waitlisted: 400, and
    # nothing of the request is kept (the valid record before it included).
    other = await published_cohort(
        client,
        world,
        start + timedelta(days=1),
        venue_id=(await create_venue(client, world.hub_admin, world.hub["id"], name="R2"))["id"],
    )
    elsewhere = (await book(client, a, other["id"])).json()
    assert elsewhere["status"] == "confirmed"
    for index, foreign_id in ((1, elsewhere["id"]), (1, waiting["id"])):
        refused = await client.put(
            url,
            json={
                "records": [
                    {"booking_id": two["id"], "status": "attended"},
                    {"booking_id": foreign_id, "status": "attended"},
                ]
            },
            headers=bearer(world.hub_admin),
        )
        assert refused.status_code == 400
        assert refused.json()["code"] == "validation_error"
        assert refused.json()["errors"][0]["field"] == f"records[{index}].booking_id"

    for status in ("late", "ATTENDED", "", None):
        refused = await client.put(
            url,
            json={"records": [{"booking_id": two["id"], "status": status}]},
            headers=bearer(world.hub_admin),
        )
        assert refused.status_code == 400, status
        assert refused.json()["code"] == "validation_error"

    assert statuses(await client.get(url, headers=bearer(world.hub_admin))) == {
        one["id"]: "absent",
        two["id"]: "absent",
    }


# 6. Idempotency-Key records last 24 hours.


async def test_idempotency_key_expires_after_24_hours(
    client, world, start, mail_dir, clock, sessionmaker
):
    cohort = await published_cohort(client, world, start)
    token = await teacher_token(client, "t@school.example")
    headers = bearer(token) | {"Idempotency-Key": "retry-me"}
    url = f"/api/v1/cohorts/{cohort['id']}/bookings"
    first = await client.post(url, json={}, headers=headers)
    assert first.status_code == 201
    assert first.json()["status"] == "confirmed"
    cancelled = await client.delete(f"/api/v1/bookings/{first.json()['id']}", headers=bearer(token))
    assert cancelled.json()["status"] == "cancelled"

    # Within 24 hours the same key and body replay the first answer, creating nothing.
    clock.advance(timedelta(hours=23, minutes=59))
    replay = await client.post(url, json={}, headers=headers)
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert await booking_count(sessionmaker) == 1
    # The key is per user: another teacher with the same key books for real.
    other = await teacher_token(client, "other@school.example")
    theirs = await client.post(
        url, json={}, headers=bearer(other) | {"Idempotency-Key": "retry-me"}
    )
    assert theirs.status_code == 201
    assert theirs.json()["id"] != first.json()["id"]
    assert await booking_count(sessionmaker) == 2

    # After 24 hours the record is gone: the same key makes a new booking.
    clock.advance(timedelta(minutes=2))
    fresh = await client.post(url, json={}, headers=headers)
    assert fresh.status_code == 201, fresh.text
    assert fresh.json()["id"] != first.json()["id"]
    assert fresh.json()["status"] == "confirmed"
    assert await booking_count(sessionmaker) == 3
    # ...and that new answer is what the key replays from now on.
    again = await client.post(url, json={}, headers=headers)
    assert (again.status_code, again.json()["id"]) == (201, fresh.json()["id"])
    assert await booking_count(sessionmaker) == 3


# 7. Declining an offer.


async def test_decline_cancels_and_offers_the_seat_to_the_next(
    client, world, start, mail_dir, clock
):
    cohort = await published_cohort(
        client, world, start, capacity=1, waitlist_mode="offer", offer_ttl="PT4H"
    )
    a, b, c = await teachers(client, mail_dir, 3)
    held = (await book(client, a, cohort["id"])).json()
    second = (await book(client, b, cohort["id"])).json()
    third = (await book(client, c, cohort["id"])).json()
    await client.delete(f"/api/v1/bookings/{held['id']}", headers=bearer(a))
    offered = (await client.get(f"/api/v1/bookings/{second['id']}", headers=bearer(b))).json()
    assert offered["status"] == "offered"

    # Only the teacher offered the place may answer; hub staff get 403.
    staff = await client.post(
        f"/api/v1/bookings/{second['id']}/decline", headers=bearer(world.hub_admin)
    )
    assert staff.status_code == 403
    assert staff.json()["code"] == "forbidden"

    clock.advance(timedelta(hours=1))
    declined = await client.post(f"/api/v1/bookings/{second['id']}/decline", headers=bearer(b))
    assert declined.status_code == 200, declined.text
    assert (declined.json()["id"], declined.json()["status"]) == (second["id"], "cancelled")
    assert declined.json()["offer_expires_at"] is None
    assert (await client.get(f"/api/v1/bookings/{second['id']}", headers=bearer(b))).json()[
        "status"
    ] == "cancelled"
    next_in_line = (await client.get(f"/api/v1/bookings/{third['id']}", headers=bearer(c))).json()
    assert (next_in_line["status"], next_in_line["waitlist_position"]) == ("offered", None)
    assert next_in_line["offer_expires_at"] == z(clock.now() + timedelta(hours=4))
    read = (await client.get(f"/api/v1/cohorts/{cohort['id']}")).json()
    assert (read["seats_left"], read["confirmed_count"], read["waitlist_length"]) == (0, 0, 0)

    again = await client.post(f"/api/v1/bookings/{second['id']}/decline", headers=bearer(b))
    assert again.status_code == 409
    assert again.json()["code"] == "not_offered"
    # Declined, b may book again: the seat is on offer to c, so b waits.
    rebook = await book(client, b, cohort["id"])
    assert rebook.status_code == 201
    assert (rebook.json()["status"], rebook.json()["waitlist_position"]) == ("waitlisted", 1)


# 8. The outbox: session and cohort changes and offers append their events.


async def test_session_and_cohort_changes_and_offers_write_outbox_events(
    client, world, start, mail_dir, clock, sessionmaker
):
    cohort = await create_cohort(client, world, capacity=1, waitlist_mode="offer", offer_ttl="PT5H")
    first = (await add_session(client, world, cohort["id"], start)).json()
    second = (await add_session(client, world, cohort["id"], start + timedelta(days=1))).json()
    await client.post(f"/api/v1/cohorts/{cohort['id']}/publish", headers=bearer(world.hub_admin))
    a, b = await teachers(client, mail_dir, 2)
    held = (await book(client, a, cohort["id"])).json()
    waiting = (await book(client, b, cohort["id"])).json()

    moved_to = start + timedelta(hours=3)
    moved = await client.patch(
        f"/api/v1/sessions/{first['id']}",
        json={"starts_at": z(moved_to), "ends_at": z(moved_to + timedelta(hours=2))},
        headers=bearer(world.hub_admin),
    )
    assert moved.status_code == 200, moved.text
    events = await outbox(sessionmaker)
    assert events[-1].kind == "SessionRescheduled"
    assert typed(events[-1]) == SessionRescheduled(
        session_id=first["id"],
        cohort_id=cohort["id"],
        sequence=1,
        booking_ids=[held["id"]],
        before=SessionPlace(
            starts_at=start, ends_at=start + timedelta(hours=2), venue_id=world.venue["id"]
        ),
        starts_at=moved_to,
        ends_at=moved_to + timedelta(hours=2),
        venue_id=world.venue["id"],
    )

    dropped = await client.delete(
        f"/api/v1/sessions/{second['id']}", headers=bearer(world.hub_admin)
    )
    assert dropped.status_code == 200
    events = await outbox(sessionmaker)
    assert events[-1].kind == "SessionCancelled"
    assert events[-1].payload == {
        "session_id": second["id"],
        "cohort_id": cohort["id"],
        "sequence": 1,
        "booking_ids": [held["id"]],
    }

    await client.delete(f"/api/v1/bookings/{held['id']}", headers=bearer(a))
    events = await outbox(sessionmaker)
    offers = [e for e in events if e.kind == "BookingOffered"]
    assert len(offers) == 1
    assert typed(offers[0]) == BookingOffered(
        booking_id=waiting["id"],
        cohort_id=cohort["id"],
        teacher_id=waiting["teacher_id"],
        status="offered",
        offer_expires_at=clock.now() + timedelta(hours=5),
    )
    assert [e.kind for e in events[-3:]] == ["SeatFreed", "BookingCancelled", "BookingOffered"]

    count_before = len(events)
    cancelled = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/cancel",
        json={"reason": "Trainer ill"},
        headers=bearer(world.hub_admin),
    )
    assert cancelled.status_code == 200
    events = await outbox(sessionmaker)
    new = events[count_before:]
    assert new[-1].kind == "CohortCancelled"
    assert new[-1].payload == {"cohort_id": cohort["id"], "reason": "Trainer ill"}
    # The offered booking is cancelled with it (a seat freed, then the booking cancelled).
    cancelled_bookings = [e for e in new if e.kind == "BookingCancelled"]
    assert [
        (e.payload["booking_id"], e.payload["previous_status"]) for e in cancelled_bookings
    ] == [(waiting["id"], "offered")]
    assert cancelled_bookings[0].payload["by"] == "cohort_cancelled"
