"""A cohort handed to another trainer (docs/contract.md, Hub operations): checked against every
future session, and both trainers' feeds and the hub's feed follow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from tests.support.engine import (
    ALL_WEEK,
    add_session,
    add_trainer,
    build_world,
    create_cohort,
    published_cohort,
)
from tests.support.factories import bearer, create_hub, create_user, create_venue


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


@pytest.fixture
def start(clock):
    return clock.now() + timedelta(days=10)  # Thursday 21 January 2027, 09:00Z


async def feed(client, token):
    urls = (await client.get("/api/v1/me/feed", headers=bearer(token))).json()
    path = urls["https_url"].split("127.0.0.1:8000", 1)[1]
    return await client.get(path)


def events_of(response):
    return Calendar.from_ical(response.content).events


async def change(client, world, cohort_id, trainer_id):
    return await client.patch(
        f"/api/v1/cohorts/{cohort_id}",
        json={"trainer_id": trainer_id},
        headers=bearer(world.hub_admin),
    )


async def test_future_sessions_move_to_the_new_trainer_and_the_feeds_follow(
    client, world, start, clock
):
    cohort = await published_cohort(client, world, start)
    later = (await add_session(client, world, cohort["id"], start + timedelta(days=7))).json()
    tom = await add_trainer(client, world, "tom@example.org")
    old_feed = await feed(client, world.trainer["api_token"])
    assert len(events_of(old_feed)) == 2
    hub_feed = await client.get(f"/feeds/hubs/{world.hub['id']}.ics")
    # The first session is over: it stays with the trainer who taught it.
    clock.set(start + timedelta(days=1))

    response = await change(client, world, cohort["id"], tom["user"]["id"])

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["trainer_id"], body["trainer_name"]) == (tom["user"]["id"], "tom")
    # Only DESCRIPTION names the trainer: LAST-MODIFIED moves, SEQUENCE stays (calendars.md 14).
    assert {s["id"]: s["sequence"] for s in body["sessions"]} == {
        cohort["sessions"][0]["id"]: 0,
        later["id"]: 0,
    }

    old_after = await feed(client, world.trainer["api_token"])
    assert old_after.headers["etag"] != old_feed.headers["etag"]
    cached = await client.get(
        old_after.url.path, headers={"If-None-Match": old_feed.headers["etag"]}
    )
    assert cached.status_code == 200
    assert [str(e["UID"]) for e in events_of(old_after)] == [str(events_of(old_feed)[0]["UID"])]
    [moved] = events_of(await feed(client, tom["api_token"]))
    assert str(moved["UID"]) == str(events_of(old_feed)[1]["UID"])
    assert moved["LAST-MODIFIED"].dt == clock.now()
    assert "tom" in str(moved["DESCRIPTION"])
    hub_after = await client.get(
        f"/feeds/hubs/{world.hub['id']}.ics", headers={"If-None-Match": hub_feed.headers["etag"]}
    )
    assert hub_after.status_code == 200
    assert "tom" in hub_after.text


async def test_a_new_trainer_teaching_elsewhere_then_is_409_with_the_conflicts(
    client, world, start
):
    cohort = await published_cohort(client, world, start)
    tom = await add_trainer(client, world, "tom@example.org")
    room = await create_venue(client, world.hub_admin, world.hub["id"], name="Room 2")
    toms = await create_cohort(client, world, trainer_id=tom["user"]["id"], venue_id=room["id"])
    busy = (await add_session(client, world, toms["id"], start + timedelta(hours=1))).json()

    response = await change(client, world, cohort["id"], tom["user"]["id"])

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "trainer_double_booked"
    assert [(c["session_id"], c["cohort_id"], c["kind"]) for c in body["conflicts"]] == [
        (busy["id"], toms["id"], "trainer")
    ]
    after = (await client.get(f"/api/v1/cohorts/{cohort['id']}")).json()
    assert after["trainer_id"] == world.trainer["user"]["id"]
    assert after["sessions"][0]["sequence"] == 0


async def test_a_new_trainer_not_available_then_is_409_trainer_unavailable(client, world, start):
    cohort = await published_cohort(client, world, start)
    tom = await add_trainer(client, world, "tom@example.org")
    response = await client.put(
        f"/api/v1/trainers/{tom['user']['id']}/availability",
        json={
            "timezone": "Europe/London",
            "weekly": [b for b in ALL_WEEK if b["day"] != "thu"],
        },
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 200

    response = await change(client, world, cohort["id"], tom["user"]["id"])

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "trainer_unavailable"
    assert [(c["session_id"], c["kind"]) for c in body["conflicts"]] == [
        (cohort["sessions"][0]["id"], "availability")
    ]


async def test_a_trainer_of_another_hub_or_a_teacher_is_400(client, world, start):
    cohort = await published_cohort(client, world, start)
    other_hub = await create_hub(client, world.admin, name="Other hub")
    stranger = await create_user(client, world.admin, "far@example.org", "trainer", other_hub["id"])
    for trainer_id in (stranger["user"]["id"], "nope"):
        response = await change(client, world, cohort["id"], trainer_id)
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["field"] == "trainer_id"


async def test_the_same_trainer_changes_nothing(client, world, start):
    cohort = await published_cohort(client, world, start)
    response = await change(client, world, cohort["id"], world.trainer["user"]["id"])
    assert response.status_code == 200
    assert response.json()["sessions"][0]["sequence"] == 0
