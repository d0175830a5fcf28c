"""max_per_school: a school's staff hold at most that many seats of a cohort
(docs/contract.md, Booking for staff, approval, fairness)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.engine import build_world, published_cohort
from tests.support.factories import bearer
from tests.support.schools import add_staff, create_lead, create_school
from tests.support.sign_in import signed_in


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


async def staff_tokens(client, world, name, count):
    school = await create_school(client, world.admin, name=name)
    lead = (await create_lead(client, world.admin, school["id"], f"lead@{name}.example"))[
        "api_token"
    ]
    emails = [f"t{i}@{name}.example" for i in range(count)]
    for email in emails:
        await add_staff(client, lead, school["id"], email)
    return await signed_in(client, emails)


async def book(client, token, cohort_id):
    response = await client.post(f"/api/v1/cohorts/{cohort_id}/bookings", headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()


async def booking(client, token, booking_id):
    return (await client.get(f"/api/v1/bookings/{booking_id}", headers=bearer(token))).json()


async def cancel(client, token, booking_id):
    response = await client.delete(f"/api/v1/bookings/{booking_id}", headers=bearer(token))
    assert response.status_code == 200, response.text


async def test_cohorts_take_and_show_the_cap(client, world, clock):
    cohort = await published_cohort(
        client, world, clock.now() + timedelta(days=7), max_per_school=2, approval_ttl="P2D"
    )
    assert (cohort["max_per_school"], cohort["approval_ttl"]) == (2, "P2D")
    path = f"/api/v1/cohorts/{cohort['id']}"
    patched = await client.patch(
        path, json={"max_per_school": None}, headers=bearer(world.hub_admin)
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["max_per_school"] is None
    for bad in ({"max_per_school": 0}, {"approval_ttl": "PT0S"}, {"approval_ttl": "soon"}):
        refused = await client.patch(path, json=bad, headers=bearer(world.hub_admin))
        assert refused.status_code == 400, bad
    plain = await published_cohort(client, world, clock.now() + timedelta(days=8))
    assert (plain["max_per_school"], plain["approval_ttl"]) == (None, "P3D")


async def test_a_booking_past_the_cap_waits_with_a_reason(client, world, clock):
    a1, a2, a3 = await staff_tokens(client, world, "ash", 3)
    [loner] = await signed_in(client, ["loner@x.example"])
    cohort = await published_cohort(
        client, world, clock.now() + timedelta(days=7), capacity=5, max_per_school=2
    )
    first, second = await book(client, a1, cohort["id"]), await book(client, a2, cohort["id"])
    assert [first["status"], second["status"]] == ["confirmed", "confirmed"]
    assert first["waitlist_reason"] is None
    third = await book(client, a3, cohort["id"])
    assert (third["status"], third["waitlist_reason"], third["waitlist_position"]) == (
        "waitlisted",
        "school_cap",
        1,
    )
    # A seat is free, and someone of no school (or another) takes it at once.
    assert (await book(client, loner, cohort["id"]))["status"] == "confirmed"
    # Booking again changes nothing while the school is at its cap.
    again = await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(a3))
    assert again.status_code == 409
    # One of the school's seats is freed: the waiting colleague gets it.
    await cancel(client, a1, first["id"])
    seated = await booking(client, a3, third["id"])
    assert (seated["status"], seated["waitlist_reason"]) == ("confirmed", None)


async def test_the_walk_passes_a_capped_school_over_and_keeps_its_place(client, world, clock):
    a1, a2 = await staff_tokens(client, world, "ash", 2)
    (b1,) = await staff_tokens(client, world, "birch", 1)
    (c1,) = await staff_tokens(client, world, "cedar", 1)
    cohort = await published_cohort(
        client, world, clock.now() + timedelta(days=7), capacity=2, max_per_school=1
    )
    held_a = await book(client, a1, cohort["id"])
    waiting_a = await book(client, a2, cohort["id"])
    assert waiting_a["waitlist_reason"] == "school_cap"
    held_b = await book(client, b1, cohort["id"])
    assert held_b["status"] == "confirmed"
    waiting_c = await book(client, c1, cohort["id"])
    assert (waiting_c["status"], waiting_c["waitlist_reason"]) == ("waitlisted", None)

    await cancel(client, b1, held_b["id"])
    # Ash joined first but Ash holds its one seat: Cedar, next in line, is seated.
    assert (await booking(client, c1, waiting_c["id"]))["status"] == "confirmed"
    still = await booking(client, a2, waiting_a["id"])
    assert (still["status"], still["waitlist_position"]) == ("waitlisted", 1)

    await cancel(client, a1, held_a["id"])
    assert (await booking(client, a2, waiting_a["id"]))["status"] == "confirmed"


async def test_raising_the_cap_seats_those_waiting_for_it(client, world, clock):
    a1, a2 = await staff_tokens(client, world, "ash", 2)
    cohort = await published_cohort(
        client, world, clock.now() + timedelta(days=7), capacity=3, max_per_school=1
    )
    await book(client, a1, cohort["id"])
    waiting = await book(client, a2, cohort["id"])
    assert waiting["waitlist_reason"] == "school_cap"
    raised = await client.patch(
        f"/api/v1/cohorts/{cohort['id']}",
        json={"max_per_school": 2},
        headers=bearer(world.hub_admin),
    )
    assert raised.status_code == 200
    assert (await booking(client, a2, waiting["id"]))["status"] == "confirmed"
