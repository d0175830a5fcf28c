"""Trainer availability and free slots over HTTP, DST included (docs/contract.md, Trainers)."""

from __future__ import annotations

import pytest

from tests.support.factories import admin_token, bearer, create_hub, create_user

WEEKDAYS_9_TO_5 = [
    {"day": d, "start": "09:00", "end": "17:00"} for d in ("mon", "tue", "wed", "thu", "fri")
]


@pytest.fixture
async def admin(sessionmaker, clock):
    return await admin_token(sessionmaker, clock)


@pytest.fixture
async def hub(client, admin):
    return await create_hub(client, admin)


@pytest.fixture
async def trainer(client, admin, hub):
    return await create_user(client, admin, "ada@example.org", "trainer", hub["id"])


async def put_availability(client, token, trainer_id, body):
    return await client.put(
        f"/api/v1/trainers/{trainer_id}/availability", json=body, headers=bearer(token)
    )


async def free_slots(client, token, trainer_id, start, end, duration):
    return await client.get(
        f"/api/v1/trainers/{trainer_id}/free-slots",
        params={"from": start, "to": end, "duration": duration},
        headers=bearer(token),
    )


async def test_trainer_sets_and_reads_availability(client, trainer):
    token, tid = trainer["api_token"], trainer["user"]["id"]
    body = {
        "timezone": "Europe/London",
        "weekly": WEEKDAYS_9_TO_5,
        "exceptions": [
            {
                "starts_at": "2027-02-15T00:00:00Z",
                "ends_at": "2027-02-20T00:00:00Z",
                "reason": "Half term",
            }
        ],
    }
    response = await put_availability(client, token, tid, body)
    assert response.status_code == 200, response.text
    read = (await client.get(f"/api/v1/trainers/{tid}/availability", headers=bearer(token))).json()
    assert read["weekly"] == WEEKDAYS_9_TO_5
    assert read["exceptions"][0]["reason"] == "Half term"


async def test_unset_availability_reads_as_empty(client, trainer):
    read = await client.get(
        f"/api/v1/trainers/{trainer['user']['id']}/availability",
        headers=bearer(trainer["api_token"]),
    )
    assert read.json()["weekly"] == []


async def test_put_replaces_everything(client, trainer):
    token, tid = trainer["api_token"], trainer["user"]["id"]
    await put_availability(
        client,
        token,
        tid,
        {
            "timezone": "Europe/London",
            "weekly": WEEKDAYS_9_TO_5,
            "exceptions": [
                {"starts_at": "2027-02-15T00:00:00Z", "ends_at": "2027-02-16T00:00:00Z"}
            ],
        },
    )
    await put_availability(
        client, token, tid, {"timezone": "Europe/London", "weekly": WEEKDAYS_9_TO_5[:1]}
    )
    read = (await client.get(f"/api/v1/trainers/{tid}/availability", headers=bearer(token))).json()
    assert (len(read["weekly"]), read["exceptions"]) == (1, [])


async def test_hub_admin_and_admin_may_edit_other_trainers_may_not(client, admin, hub, trainer):
    tid = trainer["user"]["id"]
    hub_admin = await create_user(client, admin, "p@example.org", "hub_admin", hub["id"])
    other_trainer = await create_user(client, admin, "tom@example.org", "trainer", hub["id"])
    body = {"timezone": "Europe/London", "weekly": WEEKDAYS_9_TO_5}
    assert (await put_availability(client, hub_admin["api_token"], tid, body)).status_code == 200
    assert (await put_availability(client, admin, tid, body)).status_code == 200
    assert (
        await put_availability(client, other_trainer["api_token"], tid, body)
    ).status_code == 404


async def test_other_hubs_admin_sees_nothing(client, admin, trainer):
    other = await create_hub(client, admin, name="Other")
    outsider = await create_user(client, admin, "o@example.org", "hub_admin", other["id"])
    response = await client.get(
        f"/api/v1/trainers/{trainer['user']['id']}/availability",
        headers=bearer(outsider["api_token"]),
    )
    assert response.status_code == 404


async def test_availability_needs_a_token(client, trainer):
    assert (
        await client.get(f"/api/v1/trainers/{trainer['user']['id']}/availability")
    ).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"timezone": "Europe/London", "weekly": [{"day": "mon", "start": "17:00", "end": "09:00"}]},
        {
            "timezone": "Europe/London",
            "weekly": [{"day": "monday", "start": "09:00", "end": "17:00"}],
        },
        {"timezone": "Europe/London", "weekly": [{"day": "mon", "start": "9:00", "end": "17:00"}]},
        {"timezone": "Europe/London", "weekly": [{"day": "mon", "start": "09:00", "end": "24:00"}]},
        {"timezone": "London", "weekly": []},
        {
            "timezone": "Europe/London",
            "weekly": [],
            "exceptions": [
                {"starts_at": "2027-02-15T10:00:00Z", "ends_at": "2027-02-15T09:00:00Z"}
            ],
        },
        {
            "timezone": "Europe/London",
            "weekly": [],
            "exceptions": [{"starts_at": "2027-02-15T10:00:00", "ends_at": "2027-02-15T11:00:00Z"}],
        },
        {"weekly": []},
    ],
)
async def test_bad_availability_is_400(client, trainer, body):
    response = await put_availability(client, trainer["api_token"], trainer["user"]["id"], body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation_error"


async def test_free_slots_keep_local_time_across_the_spring_change(client, trainer):
    token, tid = trainer["api_token"], trainer["user"]["id"]
    await put_availability(
        client, token, tid, {"timezone": "Europe/London", "weekly": WEEKDAYS_9_TO_5}
    )
    # Friday before and Monday after the clocks go forward on 2026-03-29.
    response = await free_slots(
        client, token, tid, "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z", "PT2H"
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"] == [
        {"starts_at": "2026-03-27T09:00:00Z", "ends_at": "2026-03-27T17:00:00Z"},
        {"starts_at": "2026-03-30T08:00:00Z", "ends_at": "2026-03-30T16:00:00Z"},
    ]


async def test_free_slots_keep_local_time_across_the_autumn_change(client, trainer):
    token, tid = trainer["api_token"], trainer["user"]["id"]
    await put_availability(
        client, token, tid, {"timezone": "Europe/London", "weekly": WEEKDAYS_9_TO_5}
    )
    response = await free_slots(
        client, token, tid, "2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z", "PT1H"
    )
    assert response.json()["items"] == [
        {"starts_at": "2026-10-23T08:00:00Z", "ends_at": "2026-10-23T16:00:00Z"},
        {"starts_at": "2026-10-26T09:00:00Z", "ends_at": "2026-10-26T17:00:00Z"},
    ]


async def test_free_slots_skip_exceptions_and_short_gaps(client, trainer):
    token, tid = trainer["api_token"], trainer["user"]["id"]
    body = {
        "timezone": "Europe/London",
        "weekly": WEEKDAYS_9_TO_5,
        "exceptions": [{"starts_at": "2027-01-12T10:00:00Z", "ends_at": "2027-01-12T16:00:00Z"}],
    }
    await put_availability(client, token, tid, body)
    response = await free_slots(
        client, token, tid, "2027-01-12T00:00:00Z", "2027-01-13T00:00:00Z", "PT90M"
    )
    # 09:00-10:00 is too short for 90 minutes; 16:00-17:00 too.
    assert response.json()["items"] == []
    response = await free_slots(
        client, token, tid, "2027-01-12T00:00:00Z", "2027-01-13T00:00:00Z", "PT1H"
    )
    assert len(response.json()["items"]) == 2


async def test_free_slots_accept_an_offset_whose_plus_became_a_space(client, trainer):
    token, tid = trainer["api_token"], trainer["user"]["id"]
    await put_availability(
        client, token, tid, {"timezone": "Europe/London", "weekly": WEEKDAYS_9_TO_5}
    )
    query = "from=2027-06-01T00:00:00+01:00&to=2027-06-02T00:00:00Z&duration=PT1H"
    url = f"/api/v1/trainers/{tid}/free-slots?{query}"
    response = await client.get(url, headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["items"] == [
        {"starts_at": "2027-06-01T08:00:00Z", "ends_at": "2027-06-01T16:00:00Z"}
    ]


@pytest.mark.parametrize(
    ("start", "end", "duration"),
    [
        ("2027-01-12T00:00:00", "2027-01-13T00:00:00Z", "PT1H"),
        ("2027-01-13T00:00:00Z", "2027-01-12T00:00:00Z", "PT1H"),
        ("2027-01-12T00:00:00Z", "2027-01-13T00:00:00Z", "2 hours"),
        ("2027-01-12T00:00:00Z", "2027-01-13T00:00:00Z", "PT0S"),
        ("2027-01-12T00:00:00Z", "2027-01-13T00:00:00Z", "P1M"),
        ("yesterday", "2027-01-13T00:00:00Z", "PT1H"),
        ("2027-01-01T00:00:00Z", "2029-01-01T00:00:00Z", "PT1H"),
    ],
)
async def test_bad_free_slot_queries_are_400(client, trainer, start, end, duration):
    response = await free_slots(
        client, trainer["api_token"], trainer["user"]["id"], start, end, duration
    )
    assert response.status_code == 400, response.text


async def test_free_slot_parameters_are_required(client, trainer):
    response = await client.get(
        f"/api/v1/trainers/{trainer['user']['id']}/free-slots", headers=bearer(trainer["api_token"])
    )
    assert response.status_code == 400
