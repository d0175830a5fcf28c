"""Clashes explained (docs/contract.md, Hub operations): a 409 for a double booking names every
session in the way, and every scheduling 409 suggests up to 3 nearest free windows of the same
length."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.engine import add_session, add_trainer, build_world, create_cohort
from tests.support.factories import bearer, create_venue

WEEKDAYS = [
    {"day": d, "start": "09:00", "end": "17:00"} for d in ("mon", "tue", "wed", "thu", "fri")
]
# Wednesday 20 January 2027 (GMT, so London wall clock = UTC); the clock stands at Mon 11th.
WED = datetime(2027, 1, 20, 10, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> str:
    return datetime(2027, 1, day, hour, minute, tzinfo=UTC).isoformat().replace("+00:00", "Z")


def window(day: int, hour: int, hours: int = 2) -> dict[str, str]:
    return {"starts_at": at(day, hour), "ends_at": at(day, hour + hours)}


def iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture
async def world(client, sessionmaker, clock):
    world = await build_world(client, sessionmaker, clock)
    response = await client.put(
        f"/api/v1/trainers/{world.trainer['user']['id']}/availability",
        json={"timezone": "Europe/London", "weekly": WEEKDAYS},
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 200, response.text
    return world


@pytest.fixture
async def room2(client, world):
    return await create_venue(client, world.hub_admin, world.hub["id"], name="Room 2")


async def test_trainer_double_booked_names_the_session_and_suggests_free_times(
    client, world, room2
):
    first = await create_cohort(client, world)
    taken = (await add_session(client, world, first["id"], WED)).json()
    second = await create_cohort(client, world, venue_id=room2["id"])

    response = await add_session(client, world, second["id"], WED)

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "trainer_double_booked"
    assert body["conflicts"] == [
        {
            "session_id": taken["id"],
            "cohort_id": first["id"],
            "course_title": "Autism in the classroom",
            "starts_at": at(20, 10),
            "ends_at": at(20, 12),
            "kind": "trainer",
        }
    ]
    assert "Autism in the classroom" in body["detail"]
    # Nearest first: the same afternoon once the other session ends, then the same time on
    # the day before and the day after (the earlier first on a tie).
    assert body["suggestions"] == [window(20, 12), window(19, 10), window(21, 10)]
    accepted = await client.post(
        f"/api/v1/cohorts/{second['id']}/sessions",
        json=body["suggestions"][0],
        headers=bearer(world.hub_admin),
    )
    assert accepted.status_code == 201, accepted.text


async def test_when_trainer_and_venue_both_clash_both_are_listed_under_the_first_code(
    client, world
):
    first = await create_cohort(client, world)
    taken = (await add_session(client, world, first["id"], WED)).json()
    second = await create_cohort(client, world)

    body = (await add_session(client, world, second["id"], WED + timedelta(hours=1))).json()

    assert body["code"] == "trainer_double_booked"
    assert [(c["session_id"], c["kind"]) for c in body["conflicts"]] == [
        (taken["id"], "trainer"),
        (taken["id"], "venue"),
    ]
    assert "the venue holds" in body["detail"]
    assert "the trainer teaches" in body["detail"]


async def test_every_clashing_session_is_listed(client, world, room2):
    first = await create_cohort(client, world)
    morning = (await add_session(client, world, first["id"], WED)).json()
    afternoon = (await add_session(client, world, first["id"], WED + timedelta(hours=3))).json()
    second = await create_cohort(client, world, venue_id=room2["id"])

    body = (
        await add_session(client, world, second["id"], WED + timedelta(hours=1), hours=3)
    ).json()

    assert body["code"] == "trainer_double_booked"
    assert [c["session_id"] for c in body["conflicts"]] == [morning["id"], afternoon["id"]]
    for suggestion in body["suggestions"]:
        assert iso(suggestion["ends_at"]) - iso(suggestion["starts_at"]) == timedelta(hours=3)


async def test_venue_double_booked_suggests_times_the_venue_is_free(client, world):
    other = await add_trainer(client, world, "tom@example.org")
    first = await create_cohort(client, world)
    taken = (await add_session(client, world, first["id"], WED)).json()
    second = await create_cohort(client, world, trainer_id=other["user"]["id"])

    body = (await add_session(client, world, second["id"], WED)).json()

    assert body["code"] == "venue_double_booked"
    assert [(c["session_id"], c["kind"]) for c in body["conflicts"]] == [(taken["id"], "venue")]
    assert len(body["suggestions"]) == 3
    # Tom works around the clock: just before and just after the room's session are nearest.
    assert body["suggestions"][:2] == [window(20, 8), window(20, 12)]
    for suggestion in body["suggestions"]:
        start, end = iso(suggestion["starts_at"]), iso(suggestion["ends_at"])
        assert end - start == timedelta(hours=2)
        assert end <= iso(taken["starts_at"]) or start >= iso(taken["ends_at"])


async def test_trainer_unavailable_suggests_the_nearest_working_days(client, world):
    cohort = await create_cohort(client, world)
    saturday = datetime(2027, 1, 23, 10, 0, tzinfo=UTC)

    body = (await add_session(client, world, cohort["id"], saturday)).json()

    assert body["code"] == "trainer_unavailable"
    assert body["conflicts"] == []
    assert body["suggestions"] == [window(22, 10), window(21, 10), window(25, 10)]


async def test_suggestions_stay_within_14_days_and_may_be_empty(client, world):
    cohort = await create_cohort(client, world)
    # A trainer away for six weeks around the wanted date has nothing to offer.
    response = await client.put(
        f"/api/v1/trainers/{world.trainer['user']['id']}/availability",
        json={
            "timezone": "Europe/London",
            "weekly": WEEKDAYS,
            "exceptions": [{"starts_at": at(11, 0), "ends_at": "2027-03-01T00:00:00Z"}],
        },
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 200
    body = (await add_session(client, world, cohort["id"], WED)).json()
    assert body["code"] == "trainer_unavailable"
    assert body["suggestions"] == []


async def test_a_reschedule_conflict_carries_conflicts_and_suggestions(client, world, room2):
    first = await create_cohort(client, world)
    taken = (await add_session(client, world, first["id"], WED)).json()
    second = await create_cohort(client, world, venue_id=room2["id"])
    moving = (await add_session(client, world, second["id"], WED + timedelta(days=1))).json()

    response = await client.patch(
        f"/api/v1/sessions/{moving['id']}",
        json={"starts_at": at(20, 11), "ends_at": at(20, 13)},
        headers=bearer(world.hub_admin),
    )

    body = response.json()
    assert (response.status_code, body["code"]) == (409, "trainer_double_booked")
    assert [c["session_id"] for c in body["conflicts"]] == [taken["id"]]
    # The session being moved does not block its own current time.
    assert body["suggestions"][0] == window(20, 12)
    assert window(21, 11) in body["suggestions"]


async def test_the_problem_members_are_in_the_openapi_document(client):
    document = (await client.get("/schema/openapi.json")).json()
    schemas = document["components"]["schemas"]
    for path, method in (
        ("/api/v1/cohorts/{cohort_id}/sessions", "post"),
        ("/api/v1/sessions/{session_id}", "patch"),
    ):
        content = document["paths"][path][method]["responses"]["409"]["content"]
        ref = content["application/problem+json"]["schema"]["$ref"]
        problem = schemas[ref.rsplit("/", 1)[1]]
        assert {"code", "conflicts", "suggestions"} <= set(problem["properties"])
    conflict = schemas["SessionConflict"]["properties"]
    assert {"session_id", "cohort_id", "course_title", "starts_at", "ends_at", "kind"} <= set(
        conflict
    )
