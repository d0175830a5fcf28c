"""Cohorts and sessions (docs/contract.md, Courses, cohorts and sessions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.engine import (
    add_session,
    add_trainer,
    create_cohort,
    published_cohort,
    teacher_token,
)
from tests.support.factories import bearer, create_hub, create_user, create_venue


async def set_availability(client, world, weekly, exceptions=()):
    response = await client.put(
        f"/api/v1/trainers/{world.trainer['user']['id']}/availability",
        json={"timezone": "Europe/London", "weekly": weekly, "exceptions": list(exceptions)},
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 200, response.text


async def test_cohort_defaults(client, world):
    cohort = await create_cohort(client, world)
    assert cohort["status"] == "draft"
    assert (cohort["waitlist_mode"], cohort["offer_ttl"], cohort["promotion_cutoff"]) == (
        "auto",
        "PT48H",
        "PT24H",
    )
    assert cohort["reminder_offsets"] == ["P7D", "P1D"]
    assert cohort["waitlist_capacity"] is None


async def test_capacity_over_the_venue_is_409(client, world):
    body = {
        "hub_id": world.hub["id"],
        "course_id": world.course["id"],
        "trainer_id": world.trainer["user"]["id"],
        "venue_id": world.venue["id"],
        "capacity": 31,
    }
    response = await client.post("/api/v1/cohorts", json=body, headers=bearer(world.hub_admin))
    assert response.json()["code"] == "capacity_exceeds_venue"


async def test_trainer_of_another_hub_is_400(client, world):
    other = await create_hub(client, world.admin, name="Other")
    stranger = await create_user(client, world.admin, "s@example.org", "trainer", other["id"])
    body = {
        "hub_id": world.hub["id"],
        "course_id": world.course["id"],
        "trainer_id": stranger["user"]["id"],
        "venue_id": world.venue["id"],
        "capacity": 5,
    }
    response = await client.post("/api/v1/cohorts", json=body, headers=bearer(world.hub_admin))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "trainer_id"


@pytest.mark.parametrize(
    "override",
    [
        {"capacity": 0},
        {"waitlist_mode": "lottery"},
        {"offer_ttl": "P1M"},
        {"offer_ttl": "PT0S"},
        {"offer_ttl": "P874334554567354857910D"},
        {"offer_ttl": "P999999D"},
        {"promotion_cutoff": "P400D"},
        {"reminder_offsets": ["PT999999H"]},
        {"reminder_offsets": ["soon"]},
        {"colour": "red"},
        {"waitlist_capacity": -1},
    ],
)
async def test_bad_cohort_fields_are_400(client, world, override):
    body = {
        "hub_id": world.hub["id"],
        "course_id": world.course["id"],
        "trainer_id": world.trainer["user"]["id"],
        "venue_id": world.venue["id"],
        "capacity": 5,
    } | override
    response = await client.post("/api/v1/cohorts", json=body, headers=bearer(world.hub_admin))
    assert response.status_code == 400, response.text


async def test_session_is_created_with_sequence_zero(client, world, start):
    cohort = await create_cohort(client, world)
    response = await add_session(client, world, cohort["id"], start)
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["sequence"], body["venue_id"]) == (
        "scheduled",
        0,
        world.venue["id"],
    )


@pytest.mark.parametrize(
    ("starts", "ends", "field"),
    [
        ("2027-02-01T10:00:00Z", "2027-02-01T10:00:00Z", "ends_at"),
        ("2027-02-01T10:00:00Z", "2027-02-01T09:00:00Z", "ends_at"),
        ("2027-01-01T10:00:00Z", "2027-01-01T11:00:00Z", "starts_at"),
        ("2027-02-01T10:00:00", "2027-02-01T11:00:00Z", None),
        ("next monday", "2027-02-01T11:00:00Z", None),
    ],
)
async def test_bad_session_times_are_400(client, world, starts, ends, field):
    cohort = await create_cohort(client, world)
    response = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/sessions",
        json={"starts_at": starts, "ends_at": ends},
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 400, response.text
    if field:
        assert response.json()["errors"][0]["field"] == field


async def test_outside_weekly_availability_is_trainer_unavailable(client, world):
    await set_availability(client, world, [{"day": "mon", "start": "09:00", "end": "17:00"}])
    cohort = await create_cohort(client, world)
    # Monday 2027-01-18, 16:00-18:00 London (GMT): runs past 17:00.
    response = await add_session(
        client, world, cohort["id"], datetime(2027, 1, 18, 16, 0, tzinfo=UTC)
    )
    assert response.json()["code"] == "trainer_unavailable"
    inside = await add_session(
        client, world, cohort["id"], datetime(2027, 1, 18, 15, 0, tzinfo=UTC)
    )
    assert inside.status_code == 201


async def test_inside_an_exception_is_trainer_unavailable(client, world):
    all_day = [{"day": "mon", "start": "00:00", "end": "23:59"}]
    await set_availability(
        client,
        world,
        all_day,
        [{"starts_at": "2027-01-18T12:00:00Z", "ends_at": "2027-01-18T13:00:00Z"}],
    )
    cohort = await create_cohort(client, world)
    response = await add_session(
        client, world, cohort["id"], datetime(2027, 1, 18, 11, 30, tzinfo=UTC)
    )
    assert response.json()["code"] == "trainer_unavailable"


async def test_availability_follows_local_time_across_the_clock_change(client, world, clock):
    clock.set(datetime(2026, 3, 1, tzinfo=UTC))
    await set_availability(client, world, [{"day": "mon", "start": "09:00", "end": "17:00"}])
    cohort = await create_cohort(client, world)
    # Monday 2026-03-30 is in BST: 09:00 local is 08:00Z.
    assert (
        await add_session(client, world, cohort["id"], datetime(2026, 3, 30, 8, 0, tzinfo=UTC))
    ).status_code == 201
    # Monday 2026-03-23 is GMT: 08:00Z is 08:00 local, before the window.
    refused = await add_session(
        client, world, cohort["id"], datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
    )
    assert refused.json()["code"] == "trainer_unavailable"


async def test_trainer_double_booked_but_back_to_back_is_fine(client, world, start):
    room = await create_venue(client, world.hub_admin, world.hub["id"], name="Room 2")
    first = await create_cohort(client, world)
    second = await create_cohort(client, world, venue_id=room["id"])
    assert (await add_session(client, world, first["id"], start)).status_code == 201
    clash = await add_session(client, world, second["id"], start + timedelta(hours=1))
    assert clash.json()["code"] == "trainer_double_booked"
    assert (
        await add_session(client, world, second["id"], start + timedelta(hours=2))
    ).status_code == 201


async def test_venue_double_booked(client, world, start):
    other_trainer = await add_trainer(client, world, "tom@example.org")
    first = await create_cohort(client, world)
    second = await create_cohort(client, world, trainer_id=other_trainer["user"]["id"])
    assert (await add_session(client, world, first["id"], start)).status_code == 201
    clash = await add_session(client, world, second["id"], start - timedelta(hours=1))
    assert clash.json()["code"] == "venue_double_booked"
    assert (
        await add_session(client, world, second["id"], start - timedelta(hours=2))
    ).status_code == 201


async def test_cancelled_sessions_free_the_room_and_the_trainer(client, world, start):
    cohort = await create_cohort(client, world)
    session = (await add_session(client, world, cohort["id"], start)).json()
    cancelled = await client.delete(
        f"/api/v1/sessions/{session['id']}", headers=bearer(world.hub_admin)
    )
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["sequence"]) == ("cancelled", 1)
    assert (await add_session(client, world, cohort["id"], start)).status_code == 201


async def test_reschedule_bumps_the_sequence_and_is_checked(client, world, start):
    cohort = await create_cohort(client, world)
    session = (await add_session(client, world, cohort["id"], start)).json()
    other = (await add_session(client, world, cohort["id"], start + timedelta(days=1))).json()
    moved = await client.patch(
        f"/api/v1/sessions/{session['id']}",
        json={
            "starts_at": (start + timedelta(hours=3)).isoformat(),
            "ends_at": (start + timedelta(hours=5)).isoformat(),
        },
        headers=bearer(world.hub_admin),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["sequence"] == 1
    onto_other = await client.patch(
        f"/api/v1/sessions/{session['id']}",
        json={"starts_at": other["starts_at"], "ends_at": other["ends_at"]},
        headers=bearer(world.hub_admin),
    )
    assert onto_other.json()["code"] == "trainer_double_booked"
    noop = await client.patch(
        f"/api/v1/sessions/{session['id']}", json={}, headers=bearer(world.hub_admin)
    )
    assert noop.json()["sequence"] == 1


async def test_publish_needs_a_future_session(client, world, start):
    cohort = await create_cohort(client, world)
    url = f"/api/v1/cohorts/{cohort['id']}/publish"
    assert (await client.post(url, headers=bearer(world.hub_admin))).json()[
        "code"
    ] == "cohort_has_no_sessions"
    await add_session(client, world, cohort["id"], start)
    published = await client.post(url, headers=bearer(world.hub_admin))
    assert published.json()["status"] == "published"


async def test_drafts_are_hidden_from_the_public(client, world, start):
    draft = await create_cohort(client, world)
    assert (await client.get(f"/api/v1/cohorts/{draft['id']}")).status_code == 404
    assert (
        await client.get(f"/api/v1/cohorts/{draft['id']}", headers=bearer(world.hub_admin))
    ).status_code == 200
    published = await published_cohort(client, world, start)
    listed = (await client.get("/api/v1/cohorts")).json()["items"]
    assert [c["id"] for c in listed] == [published["id"]]


async def test_cohort_list_filters(client, world, start, mail_dir):
    full = await published_cohort(client, world, start, capacity=1)
    later = await published_cohort(client, world, start + timedelta(days=30))
    token = await teacher_token(client, "t@school.example")
    await client.post(f"/api/v1/cohorts/{full['id']}/bookings", json={}, headers=bearer(token))

    async def ids(**params):
        response = await client.get("/api/v1/cohorts", params=params)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert await ids(has_seats="true") == [later["id"]]
    assert await ids(has_seats="false") == [full["id"]]
    assert await ids(**{"from": (start + timedelta(days=20)).isoformat()}) == [later["id"]]
    assert await ids(need_area="sensory_and_physical") == [full["id"], later["id"]]
    assert await ids(need_area="visual_impairment") == []
    assert await ids(hub_id=world.hub["id"], course_id=world.course["id"]) == [
        full["id"],
        later["id"],
    ]
    item = (await client.get(f"/api/v1/cohorts/{full['id']}")).json()
    assert (
        item["seats_left"],
        item["confirmed_count"],
        item["waitlist_length"],
        len(item["sessions"]),
    ) == (0, 1, 0, 1)


async def test_fits_my_timetable_drops_cohorts_clashing_with_my_bookings(
    client, world, start, mail_dir
):
    room = await create_venue(client, world.hub_admin, world.hub["id"], name="Room 2")
    other_trainer = await add_trainer(client, world, "tom@example.org")
    mine = await published_cohort(client, world, start)
    clashing = await published_cohort(
        client,
        world,
        start + timedelta(minutes=30),
        trainer_id=other_trainer["user"]["id"],
        venue_id=room["id"],
    )
    token = await teacher_token(client, "t@school.example")
    await client.post(f"/api/v1/cohorts/{mine['id']}/bookings", json={}, headers=bearer(token))
    fits = await client.get(
        "/api/v1/cohorts", params={"fits_my_timetable": "true"}, headers=bearer(token)
    )
    assert [c["id"] for c in fits.json()["items"]] == [mine["id"]]
    assert clashing["id"] not in [c["id"] for c in fits.json()["items"]]
    anonymous = await client.get("/api/v1/cohorts", params={"fits_my_timetable": "true"})
    assert anonymous.status_code == 401


async def test_venue_with_future_sessions_cannot_be_deleted(client, world, start):
    cohort = await create_cohort(client, world)
    await add_session(client, world, cohort["id"], start)
    response = await client.delete(
        f"/api/v1/venues/{world.venue['id']}", headers=bearer(world.hub_admin)
    )
    assert response.json()["code"] == "venue_in_use"


async def test_free_slots_leave_out_the_trainers_sessions(client, world):
    await set_availability(client, world, [{"day": "mon", "start": "09:00", "end": "17:00"}])
    cohort = await create_cohort(client, world)
    await add_session(client, world, cohort["id"], datetime(2027, 1, 18, 11, 0, tzinfo=UTC))
    slots = await client.get(
        f"/api/v1/trainers/{world.trainer['user']['id']}/free-slots",
        params={"from": "2027-01-18T00:00:00Z", "to": "2027-01-19T00:00:00Z", "duration": "PT1H"},
        headers=bearer(world.trainer["api_token"]),
    )
    assert slots.json()["items"] == [
        {"starts_at": "2027-01-18T09:00:00Z", "ends_at": "2027-01-18T11:00:00Z"},
        {"starts_at": "2027-01-18T13:00:00Z", "ends_at": "2027-01-18T17:00:00Z"},
    ]


async def test_other_hubs_cannot_manage_the_cohort(client, world, start):
    other = await create_hub(client, world.admin, name="Other")
    outsider = (await create_user(client, world.admin, "o@example.org", "hub_admin", other["id"]))[
        "api_token"
    ]
    cohort = await create_cohort(client, world)
    response = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/sessions",
        json={"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()},
        headers=bearer(outsider),
    )
    assert response.status_code == 403
    assert (
        await client.post(f"/api/v1/cohorts/{cohort['id']}/publish", headers=bearer(outsider))
    ).status_code == 403
