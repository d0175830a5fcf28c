"""Hubs and venues (docs/contract.md, Hubs and venues)."""

from __future__ import annotations

import pytest

from tests.support.factories import admin_token, bearer, create_hub, create_user, create_venue


@pytest.fixture
async def admin(sessionmaker, clock):
    return await admin_token(sessionmaker, clock)


@pytest.fixture
async def hub(client, admin):
    return await create_hub(client, admin)


@pytest.fixture
async def hub_admin(client, admin, hub):
    return (await create_user(client, admin, "priya@example.org", "hub_admin", hub["id"]))[
        "api_token"
    ]


async def test_hubs_are_public(client, hub):
    listed = await client.get("/api/v1/hubs")
    assert [h["id"] for h in listed.json()["items"]] == [hub["id"]]
    assert (await client.get(f"/api/v1/hubs/{hub['id']}")).json()["name"] == "North West Hub"


async def test_only_admins_create_hubs(client, hub_admin):
    body = {"name": "X", "region": "X", "contact_email": "x@example.org"}
    assert (
        await client.post("/api/v1/hubs", json=body, headers=bearer(hub_admin))
    ).status_code == 403
    assert (await client.post("/api/v1/hubs", json=body)).status_code == 401


async def test_hub_admin_edits_their_hub_but_not_another(client, admin, hub, hub_admin):
    other = await create_hub(client, admin, name="Other")
    own = await client.patch(
        f"/api/v1/hubs/{hub['id']}", json={"region": "North"}, headers=bearer(hub_admin)
    )
    assert own.status_code == 200
    assert own.json()["region"] == "North"
    foreign = await client.patch(
        f"/api/v1/hubs/{other['id']}", json={"region": "X"}, headers=bearer(hub_admin)
    )
    assert foreign.status_code == 403


async def test_unknown_hub_is_404(client):
    response = await client.get("/api/v1/hubs/does-not-exist")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_lists_page_with_a_cursor(client, admin):
    ids = [(await create_hub(client, admin, name=f"Hub {i}"))["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = (await client.get("/api/v1/hubs", params=params)).json()
        seen += [h["id"] for h in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 201}, {"limit": "x"}, {"cursor": "%%%"}, {"cursor": "abc"}]
)
async def test_bad_list_parameters_are_400(client, params):
    response = await client.get("/api/v1/hubs", params=params)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


async def test_venue_defaults_and_normalisation(client, hub_admin, hub):
    venue = await create_venue(
        client,
        hub_admin,
        hub["id"],
        postcode="m1  1ae",
        accessibility=["lift", "step_free_access", "lift"],
    )
    assert venue["timezone"] == "Europe/London"
    assert venue["postcode"] == "M1 1AE"
    assert venue["accessibility"] == ["lift", "step_free_access"]
    assert (await client.get(f"/api/v1/venues/{venue['id']}")).json() == venue


@pytest.mark.parametrize(
    "override",
    [
        {"accessibility": ["wheelchair"]},
        {"timezone": "Mars/Olympus"},
        {"timezone": "localtime"},
        {"capacity": 0},
        {"postcode": "12345"},
        {"name": "Room\t1"},
        {"name": "Room\x851"},
        {"name": "Room\u20281"},
        {"name": "Room\u20291"},
        {"address": ""},
        {"colour": "blue"},
    ],
)
async def test_bad_venue_fields_are_400(client, hub_admin, hub, override):
    body = {"name": "Room", "address": "1 Street", "postcode": "M1 1AE", "capacity": 10} | override
    response = await client.post(
        f"/api/v1/hubs/{hub['id']}/venues", json=body, headers=bearer(hub_admin)
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation_error"


async def test_venues_filter_by_hub(client, admin, hub):
    other = await create_hub(client, admin, name="Other")
    mine = await create_venue(client, admin, hub["id"])
    await create_venue(client, admin, other["id"])
    listed = await client.get("/api/v1/venues", params={"hub_id": hub["id"]})
    assert [v["id"] for v in listed.json()["items"]] == [mine["id"]]
    assert len((await client.get("/api/v1/venues")).json()["items"]) == 2


async def test_other_hubs_staff_cannot_touch_a_venue(client, admin, hub):
    other = await create_hub(client, admin, name="Other")
    outsider = (await create_user(client, admin, "o@example.org", "hub_admin", other["id"]))[
        "api_token"
    ]
    venue = await create_venue(client, admin, hub["id"])
    patch = await client.patch(
        f"/api/v1/venues/{venue['id']}", json={"capacity": 5}, headers=bearer(outsider)
    )
    assert patch.status_code == 403
    delete = await client.delete(f"/api/v1/venues/{venue['id']}", headers=bearer(outsider))
    assert delete.status_code == 403
    create = await client.post(
        f"/api/v1/hubs/{hub['id']}/venues",
        json={"name": "R", "address": "A", "postcode": "M1 1AE", "capacity": 3},
        headers=bearer(outsider),
    )
    assert create.status_code == 403


async def test_patch_venue_changes_only_what_is_sent(client, hub_admin, hub):
    venue = await create_venue(client, hub_admin, hub["id"])
    response = await client.patch(
        f"/api/v1/venues/{venue['id']}",
        json={"capacity": 12, "travel_notes": None},
        headers=bearer(hub_admin),
    )
    assert response.status_code == 200
    assert response.json()["capacity"] == 12
    assert response.json()["name"] == venue["name"]


async def test_deleted_venue_answers_204_then_404(client, hub_admin, hub):
    venue = await create_venue(client, hub_admin, hub["id"])
    response = await client.delete(f"/api/v1/venues/{venue['id']}", headers=bearer(hub_admin))
    assert response.status_code == 204
    assert (await client.get(f"/api/v1/venues/{venue['id']}")).status_code == 404
    assert (await client.get("/api/v1/venues")).json()["items"] == []
