"""Progress of a school and of a hub's schools (docs/contract.md, Schools and staff)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from tests.support.engine import build_world, published_cohort
from tests.support.factories import bearer, create_hub, create_user
from tests.support.schools import add_staff, create_lead, create_school
from tests.support.sign_in import signed_in


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


@pytest.fixture
async def school(client, world):
    school = await create_school(client, world.admin, name="=Oakfield Primary")
    response = await client.patch(
        f"/api/v1/schools/{school['id']}",
        json={"hub_id": world.hub["id"]},
        headers=bearer(world.admin),
    )
    assert response.status_code == 200
    return response.json()


@pytest.fixture
async def lead(client, world, school):
    return (await create_lead(client, world.admin, school["id"]))["api_token"]


async def book(client, token, cohort_id):
    response = await client.post(f"/api/v1/cohorts/{cohort_id}/bookings", headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()


async def test_school_and_hub_progress_follow_attendance(client, world, school, lead, clock):
    for email, role in (
        ("ann@school.example", "senco"),
        ("bob@school.example", "teacher"),
        ("cat@school.example", "teacher"),
        ("dan@school.example", None),
    ):
        await add_staff(client, lead, school["id"], email, role)
    ann, bob, cat, _dan = await signed_in(
        client, ["ann@school.example", "bob@school.example", "cat@school.example", "d@x.org"]
    )
    soon = clock.now() + timedelta(hours=1)
    past = await published_cohort(client, world, soon, capacity=5)
    ann_booking = await book(client, ann, past["id"])
    later = await published_cohort(client, world, soon + timedelta(days=14), capacity=1)
    assert (await book(client, bob, later["id"]))["status"] == "confirmed"
    assert (await book(client, cat, later["id"]))["status"] == "waitlisted"

    path = f"/api/v1/schools/{school['id']}/progress"
    before = (await client.get(path, headers=bearer(lead))).json()
    assert before == {
        "staff": 5,
        "trained": 0,
        "booked": 2,  # Ann's course has not finished; Bob's has not started
        "waiting": 1,
        "not_started": 2,  # Dan and the lead
        "by_job_role": {
            "senco": {"staff": 1, "trained": 0},
            "teacher": {"staff": 2, "trained": 0},
            "unknown": {"staff": 2, "trained": 0},
        },
    }

    clock.set(soon + timedelta(minutes=30))
    marked = await client.put(
        f"/api/v1/sessions/{past['sessions'][0]['id']}/attendance",
        json={"records": [{"booking_id": ann_booking["id"], "status": "attended"}]},
        headers=bearer(world.trainer["api_token"]),
    )
    assert marked.status_code == 200, marked.text
    clock.set(soon + timedelta(hours=3))  # Ann's course is over
    after = (await client.get(path, headers=bearer(lead))).json()
    assert (after["trained"], after["booked"], after["waiting"], after["not_started"]) == (
        1,
        1,
        1,
        2,
    )
    assert after["by_job_role"]["senco"] == {"staff": 1, "trained": 1}

    hub_path = f"/api/v1/hubs/{world.hub['id']}/progress"
    hub = (await client.get(hub_path, headers=bearer(world.hub_admin))).json()
    assert hub["items"] == [
        {
            "school": {
                "id": school["id"],
                "urn": school["urn"],
                "name": "=Oakfield Primary",
                "local_authority": "Manchester",
            },
            "staff": 5,
            "trained": 1,
            "booked": 1,
        }
    ]
    as_csv = await client.get(f"{hub_path}.csv", headers=bearer(world.trainer["api_token"]))
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows == [
        ["urn", "school", "local_authority", "staff", "trained", "booked"],
        [str(school["urn"]), "'=Oakfield Primary", "Manchester", "5", "1", "1"],
    ]


async def test_who_may_see_progress(client, world, school, lead):
    other_hub = await create_hub(client, world.admin, name="Other")
    stranger = (
        await create_user(client, world.admin, "o@example.org", "hub_admin", other_hub["id"])
    )["api_token"]
    other_school = await create_school(client, world.admin, name="Other School")
    other_lead = (await create_lead(client, world.admin, other_school["id"], "ol@x.org"))[
        "api_token"
    ]
    [teacher] = await signed_in(client, ["t@school.example"])
    path = f"/api/v1/schools/{school['id']}/progress"
    for token in (lead, world.hub_admin, world.trainer["api_token"], world.admin):
        assert (await client.get(path, headers=bearer(token))).status_code == 200
    for token in (stranger, other_lead, teacher):
        assert (await client.get(path, headers=bearer(token))).status_code == 403
    hub_path = f"/api/v1/hubs/{world.hub['id']}/progress"
    for token in (stranger, lead, teacher):
        assert (await client.get(hub_path, headers=bearer(token))).status_code == 403
        assert (await client.get(f"{hub_path}.csv", headers=bearer(token))).status_code == 403
    assert (await client.get(hub_path)).status_code == 401
    missing = await client.get("/api/v1/hubs/nope/progress", headers=bearer(world.admin))
    assert missing.status_code == 404
