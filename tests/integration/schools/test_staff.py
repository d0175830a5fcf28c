"""A school's staff as its leads see and change them (docs/contract.md, Schools and staff)."""

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


@pytest.fixture
async def school(client, world):
    return await create_school(client, world.admin)


@pytest.fixture
async def lead(client, world, school):
    return (await create_lead(client, world.admin, school["id"]))["api_token"]


async def staff(client, token, school_id):
    response = await client.get(f"/api/v1/schools/{school_id}/staff", headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_lead_adds_new_and_existing_people(client, school, lead):
    added = await add_staff(client, lead, school["id"], "ann@school.example", "senco")
    assert added["role"] == "teacher"
    assert added["school_id"] == school["id"]
    assert added["job_role"] == "senco"
    [token] = await signed_in(client, ["bob@school.example"])
    await client.patch("/api/v1/me", json={"name": "Bob Own Name"}, headers=bearer(token))
    bob = await add_staff(client, lead, school["id"], "BOB@school.example")
    assert bob["name"] == "Bob Own Name"  # what Bob said of himself stands
    again = await add_staff(client, lead, school["id"], "bob@school.example")
    assert again["id"] == bob["id"]
    listed = await staff(client, lead, school["id"])
    assert [(p["name"], p["email"]) for p in listed] == [
        ("Ann", "ann@school.example"),
        ("Bob Own Name", "bob@school.example"),
        ("Lee Lead", "lead@school.example"),
    ]
    assert all(p["trained"] is False and p["active_bookings"] == 0 for p in listed)


async def test_someone_at_another_school_is_409_other_school(client, world, school, lead):
    other = await create_school(client, world.admin, name="Other School")
    other_lead = (await create_lead(client, world.admin, other["id"], "ol@school.example"))[
        "api_token"
    ]
    await add_staff(client, other_lead, other["id"], "cat@school.example")
    response = await client.post(
        f"/api/v1/schools/{school['id']}/staff",
        json={"email": "cat@school.example", "name": "Cat"},
        headers=bearer(lead),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "other_school"


async def test_only_the_schools_leads_and_admins(client, world, school, lead):
    other = await create_school(client, world.admin, name="Other School")
    other_lead = (await create_lead(client, world.admin, other["id"], "ol@school.example"))[
        "api_token"
    ]
    [teacher] = await signed_in(client, ["t@school.example"])
    path = f"/api/v1/schools/{school['id']}/staff"
    body = {"email": "x@school.example", "name": "X"}
    for token in (other_lead, teacher, world.hub_admin):
        assert (await client.get(path, headers=bearer(token))).status_code == 403
        assert (await client.post(path, json=body, headers=bearer(token))).status_code == 403
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers=bearer(world.admin))).status_code == 200
    assert (await client.get("/api/v1/schools/nope/staff", headers=bearer(lead))).status_code == 404


async def test_removing_unlinks_and_the_account_stays(client, school, lead):
    ann = await add_staff(client, lead, school["id"], "ann@school.example")
    path = f"/api/v1/schools/{school['id']}/staff/{ann['id']}"
    assert (await client.delete(path, headers=bearer(lead))).status_code == 204
    assert [p["name"] for p in await staff(client, lead, school["id"])] == ["Lee Lead"]
    assert (await client.delete(path, headers=bearer(lead))).status_code == 404
    [token] = await signed_in(client, ["ann@school.example"])
    me = (await client.get("/api/v1/me", headers=bearer(token))).json()
    assert (me["id"], me["school_id"]) == (ann["id"], None)


async def test_trained_means_attended_every_session_of_a_cohort(client, world, school, lead, clock):
    ann = await add_staff(client, lead, school["id"], "ann@school.example")
    await add_staff(client, lead, school["id"], "bob@school.example")
    ann_token, bob_token = await signed_in(client, ["ann@school.example", "bob@school.example"])
    soon = clock.now() + timedelta(hours=1)
    cohort = await published_cohort(client, world, soon, capacity=5)
    second = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/sessions",
        json={
            "starts_at": (soon + timedelta(days=1)).isoformat(),
            "ends_at": (soon + timedelta(days=1, hours=2)).isoformat(),
        },
        headers=bearer(world.hub_admin),
    )
    assert second.status_code == 201, second.text
    sessions = [cohort["sessions"][0]["id"], second.json()["id"]]
    bookings = {}
    for name, token in (("ann", ann_token), ("bob", bob_token)):
        booked = await client.post(
            f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(token)
        )
        assert booked.status_code == 201, booked.text
        bookings[name] = booked.json()["id"]
    by_name = {p["email"]: p for p in await staff(client, lead, school["id"])}
    assert by_name["ann@school.example"]["active_bookings"] == 1

    async def mark(session_id, records):
        response = await client.put(
            f"/api/v1/sessions/{session_id}/attendance",
            json={"records": [{"booking_id": bookings[n], "status": s} for n, s in records]},
            headers=bearer(world.trainer["api_token"]),
        )
        assert response.status_code == 200, response.text

    clock.set(soon + timedelta(minutes=30))
    await mark(sessions[0], [("ann", "attended"), ("bob", "attended")])
    by_name = {p["email"]: p for p in await staff(client, lead, school["id"])}
    assert not by_name["ann@school.example"]["trained"]  # one session of two
    clock.set(soon + timedelta(days=1, minutes=30))
    await mark(sessions[1], [("ann", "attended"), ("bob", "absent")])
    by_name = {p["email"]: p for p in await staff(client, lead, school["id"])}
    assert by_name["ann@school.example"]["trained"] is True
    assert by_name["bob@school.example"]["trained"] is False
    assert by_name["ann@school.example"]["id"] == ann["id"]
