"""A weekly series of sessions (docs/contract.md, Hub operations): all or nothing, repeated on the
venue's wall clock across the clock changes, every failing occurrence listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.support.dispatch import settle
from tests.support.engine import add_session, build_world, create_cohort, teacher_token
from tests.support.factories import bearer
from tests.support.mail import calendar_part, to

LONDON = ZoneInfo("Europe/London")
TEACHER = "teacher@school.example"


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


def z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def series(client, world, cohort_id, first: datetime, **extra):
    body = {
        "first_starts_at": first.isoformat(),
        "first_ends_at": (first + timedelta(hours=2)).isoformat(),
        "every": "P1W",
        "count": 6,
    } | extra
    return await client.post(
        f"/api/v1/cohorts/{cohort_id}/sessions/series", json=body, headers=bearer(world.hub_admin)
    )


async def sessions_of(client, world, cohort_id):
    response = await client.get(f"/api/v1/cohorts/{cohort_id}", headers=bearer(world.hub_admin))
    return response.json()["sessions"]


async def test_six_weekly_sessions_are_added_at_once(client, world):
    cohort = await create_cohort(client, world)
    first = datetime(2027, 1, 19, 16, 0, tzinfo=UTC)  # a Tuesday, GMT

    response = await series(client, world, cohort["id"], first)

    assert response.status_code == 201, response.text
    items = response.json()["items"]
    assert [i["starts_at"] for i in items] == [z(first + timedelta(weeks=k)) for k in range(6)]
    assert {(i["status"], i["sequence"], i["venue_id"]) for i in items} == {
        ("scheduled", 0, world.venue["id"])
    }
    assert [s["id"] for s in await sessions_of(client, world, cohort["id"])] == [
        i["id"] for i in items
    ]


async def test_fortnightly(client, world):
    cohort = await create_cohort(client, world)
    first = datetime(2027, 1, 19, 16, 0, tzinfo=UTC)
    response = await series(client, world, cohort["id"], first, every="P2W", count=3)
    assert response.status_code == 201, response.text
    assert [i["starts_at"] for i in response.json()["items"]] == [
        z(first + timedelta(weeks=2 * k)) for k in range(3)
    ]


async def test_the_october_change_keeps_the_local_time(client, world, clock):
    clock.set(datetime(2026, 9, 1, tzinfo=UTC))
    cohort = await create_cohort(client, world)
    # Tuesday 20 October 2026, 16:00 BST; the clocks go back on Sunday 25 October.
    first = datetime(2026, 10, 20, 16, 0, tzinfo=LONDON)
    response = await series(client, world, cohort["id"], first, count=2)
    assert response.status_code == 201, response.text
    starts = [datetime.fromisoformat(i["starts_at"]) for i in response.json()["items"]]
    assert [z(s) for s in starts] == ["2026-10-20T15:00:00Z", "2026-10-27T16:00:00Z"]
    assert [s.astimezone(LONDON).hour for s in starts] == [16, 16]
    ends = [datetime.fromisoformat(i["ends_at"]) for i in response.json()["items"]]
    assert [e.astimezone(LONDON).hour for e in ends] == [18, 18]


async def test_the_march_change_keeps_the_local_time(client, world):
    cohort = await create_cohort(client, world)
    # Tuesday 23 March 2027, 16:00 GMT; the clocks go forward on Sunday 28 March.
    first = datetime(2027, 3, 23, 16, 0, tzinfo=LONDON)
    response = await series(client, world, cohort["id"], first, count=2)
    assert response.status_code == 201, response.text
    starts = [datetime.fromisoformat(i["starts_at"]) for i in response.json()["items"]]
    assert [z(s) for s in starts] == ["2027-03-23T16:00:00Z", "2027-03-30T15:00:00Z"]
    assert [s.astimezone(LONDON).hour for s in starts] == [16, 16]


async def test_any_conflict_adds_nothing_and_lists_every_failing_occurrence(client, world):
    first = datetime(2027, 1, 19, 16, 0, tzinfo=UTC)
    other = await create_cohort(client, world)
    assert (await add_session(client, world, other["id"], first + timedelta(weeks=1))).status_code
    away = first + timedelta(weeks=3)
    response = await client.put(
        f"/api/v1/trainers/{world.trainer['user']['id']}/availability",
        json={
            "timezone": "Europe/London",
            "weekly": [
                {"day": d, "start": "00:00", "end": "23:59"}
                for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            ],
            "exceptions": [
                {"starts_at": z(away), "ends_at": z(away + timedelta(days=1)), "reason": "Away"}
            ],
        },
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 200, response.text
    cohort = await create_cohort(client, world)

    response = await series(client, world, cohort["id"], first)

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "trainer_double_booked"
    assert body["conflicts"] == [
        {"index": 1, "starts_at": z(first + timedelta(weeks=1)), "code": "trainer_double_booked"},
        {"index": 3, "starts_at": z(away), "code": "trainer_unavailable"},
    ]
    assert await sessions_of(client, world, cohort["id"]) == []


@pytest.mark.parametrize(
    "change",
    [
        {"count": 0},
        {"count": 21},
        {"every": "P3W"},
        {"every": "P7D"},
        {"first_ends_at": "2027-01-19T15:00:00Z"},
        {"first_starts_at": "2027-01-19T16:00:00"},
        {"first_starts_at": "2026-01-19T16:00:00Z", "first_ends_at": "2026-01-19T18:00:00Z"},
        {"first_ends_at": "2027-01-27T16:00:00Z"},
        {"venue_id": "nope"},
        {"extra": 1},
    ],
)
async def test_bad_series_are_400(client, world, change):
    cohort = await create_cohort(client, world)
    response = await series(
        client, world, cohort["id"], datetime(2027, 1, 19, 16, tzinfo=UTC), **change
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation_error"


async def test_teachers_and_other_hubs_cannot_add_a_series(client, world):
    cohort = await create_cohort(client, world)
    teacher = await teacher_token(client, TEACHER)
    response = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/sessions/series",
        json={
            "first_starts_at": "2027-01-19T16:00:00Z",
            "first_ends_at": "2027-01-19T18:00:00Z",
            "every": "P1W",
            "count": 2,
        },
        headers=bearer(teacher),
    )
    assert response.status_code == 403
    missing = await series(client, world, "nope", datetime(2027, 1, 19, 16, tzinfo=UTC))
    assert missing.status_code == 404


async def test_teachers_already_booked_get_an_invite_for_each_new_session(
    app, client, world, mail_dir
):
    cohort = await create_cohort(client, world)
    first = datetime(2027, 1, 19, 16, 0, tzinfo=UTC)
    assert (await add_session(client, world, cohort["id"], first)).status_code == 201
    published = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/publish", headers=bearer(world.hub_admin)
    )
    assert published.status_code == 200
    token = await teacher_token(client, TEACHER)
    booked = await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(token))
    assert booked.status_code == 201
    await settle(client)

    added = await series(client, world, cohort["id"], first + timedelta(weeks=1), count=2)
    assert added.status_code == 201, added.text
    await settle(client)

    uids = []
    for message in to(mail_dir, TEACHER):
        data = calendar_part(message)
        if data is not None:
            uids.append(str(Calendar.from_ical(data).events[0]["UID"]))
    assert len(uids) == 3
    assert len(set(uids)) == 3


async def test_the_series_problem_is_in_the_openapi_document(client):
    document = (await client.get("/schema/openapi.json")).json()
    operation = document["paths"]["/api/v1/cohorts/{cohort_id}/sessions/series"]["post"]
    ref = operation["responses"]["409"]["content"]["application/problem+json"]["schema"]["$ref"]
    schemas = document["components"]["schemas"]
    problem = schemas[ref.rsplit("/", 1)[1]]
    assert "conflicts" in problem["properties"]
    assert set(schemas["SeriesConflict"]["properties"]) == {"index", "starts_at", "code"}
    assert {"201", "400", "401", "403", "404", "409"} <= set(operation["responses"])
