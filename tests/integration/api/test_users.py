"""Creating users, roles and /me (docs/contract.md, Identity)."""

from __future__ import annotations

import pytest

from tests.support.factories import admin_token, bearer, create_hub, create_user
from tests.support.sign_in import signed_in


@pytest.fixture
async def admin(sessionmaker, clock):
    return await admin_token(sessionmaker, clock)


@pytest.fixture
async def hub(client, admin):
    return await create_hub(client, admin)


async def test_admin_creates_a_hub_admin_whose_token_works(client, admin, hub):
    created = await create_user(client, admin, "priya@example.org", "hub_admin", hub["id"])
    assert created["user"]["role"] == "hub_admin"
    me = await client.get("/api/v1/me", headers=bearer(created["api_token"]))
    assert me.json()["hub_id"] == hub["id"]


async def test_hub_admin_creates_trainers_in_their_own_hub(client, admin, hub):
    hub_admin = await create_user(client, admin, "priya@example.org", "hub_admin", hub["id"])
    response = await client.post(
        "/api/v1/users",
        json={"email": "ada@example.org", "name": "Ada", "role": "trainer"},
        headers=bearer(hub_admin["api_token"]),
    )
    assert response.status_code == 201
    assert response.json()["user"]["hub_id"] == hub["id"]


@pytest.mark.parametrize("role", ["admin", "hub_admin", "teacher"])
async def test_hub_admin_may_only_create_trainers(client, admin, hub, role):
    hub_admin = await create_user(client, admin, "priya@example.org", "hub_admin", hub["id"])
    response = await client.post(
        "/api/v1/users",
        json={"email": "x@example.org", "name": "X", "role": role, "hub_id": hub["id"]},
        headers=bearer(hub_admin["api_token"]),
    )
    # A permission refusal, not a malformed request (docs/contract.md, Identity).
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"


async def test_hub_admin_cannot_create_trainers_in_another_hub(client, admin, hub):
    other = await create_hub(client, admin, name="Other Hub")
    hub_admin = await create_user(client, admin, "priya@example.org", "hub_admin", hub["id"])
    response = await client.post(
        "/api/v1/users",
        json={"email": "x@example.org", "name": "X", "role": "trainer", "hub_id": other["id"]},
        headers=bearer(hub_admin["api_token"]),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_teachers_and_trainers_cannot_create_users(client, admin, hub):
    trainer = await create_user(client, admin, "ada@example.org", "trainer", hub["id"])
    response = await client.post(
        "/api/v1/users",
        json={"email": "x@example.org", "name": "X", "role": "teacher"},
        headers=bearer(trainer["api_token"]),
    )
    assert response.status_code == 403


async def test_creating_users_needs_a_token(client):
    response = await client.post(
        "/api/v1/users", json={"email": "x@example.org", "name": "X", "role": "teacher"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize(
    "header", ["Bearer nope", "Bearer ", "Basic YWJjOmRlZg==", "Bearer " + "x" * 300]
)
async def test_invalid_tokens_are_401(client, header):
    response = await client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401


async def test_duplicate_email_is_409_email_taken(client, admin, hub):
    await create_user(client, admin, "ada@example.org", "trainer", hub["id"])
    response = await client.post(
        "/api/v1/users",
        json={"email": "ADA@example.org", "name": "Ada", "role": "trainer", "hub_id": hub["id"]},
        headers=bearer(admin),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"


@pytest.mark.parametrize(
    ("role", "with_hub"),
    [("trainer", False), ("hub_admin", False), ("teacher", True), ("admin", True)],
)
async def test_hub_membership_must_match_the_role(client, admin, hub, role, with_hub):
    body = {"email": "x@example.org", "name": "X", "role": role}
    if with_hub:
        body["hub_id"] = hub["id"]
    response = await client.post("/api/v1/users", json=body, headers=bearer(admin))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "hub_id"


@pytest.mark.parametrize("email", ["x@example.org\n", "x@example.org\x85", "x@exa\nmple.org"])
async def test_malformed_emails_are_400(client, admin, email):
    body = {"email": email, "name": "X", "role": "admin"}
    response = await client.post("/api/v1/users", json=body, headers=bearer(admin))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "email"


async def test_unknown_hub_is_400(client, admin):
    body = {"email": "x@example.org", "name": "X", "role": "trainer", "hub_id": "nope"}
    response = await client.post("/api/v1/users", json=body, headers=bearer(admin))
    assert response.status_code == 400


async def test_patch_me_sets_school_and_job_role(client, admin):
    response = await client.patch(
        "/api/v1/me",
        json={"name": "Sam Jones", "school": "Hillside Primary", "job_role": "senco"},
        headers=bearer(admin),
    )
    assert response.status_code == 200
    assert response.json()["job_role"] == "senco"
    me = (await client.get("/api/v1/me", headers=bearer(admin))).json()
    # v1's free text is school_name; `school` is the register's school (none chosen here).
    assert (me["school_name"], me["school"], me["profile_complete"]) == (
        "Hillside Primary",
        None,
        False,
    )


async def test_patch_me_leaves_unsent_fields_alone(client, admin):
    await client.patch("/api/v1/me", json={"school": "Hillside"}, headers=bearer(admin))
    await client.patch("/api/v1/me", json={"name": "Sam"}, headers=bearer(admin))
    me = (await client.get("/api/v1/me", headers=bearer(admin))).json()
    assert (me["name"], me["school_name"]) == ("Sam", "Hillside")


@pytest.mark.parametrize(
    "body",
    [
        {"job_role": "headteacher"},
        {"name": "Sam\nJones"},
        {"name": "Sam\x85Jones"},
        {"name": "Sam\u2028Jones"},
        {"name": "Sam\u2029Jones"},
        {"name": "Sam\x9b"},
        {"name": "Sam\n"},  # Python's `$` alone would let a final newline through
        {"name": "   "},
        {"role": "admin"},
        {"name": "x" * 201},
    ],
)
async def test_patch_me_rejects_bad_values_and_unknown_fields(client, admin, body):
    response = await client.patch("/api/v1/me", json=body, headers=bearer(admin))
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"]


async def test_me_shows_the_chosen_school_and_whether_the_profile_is_complete(client, admin):
    school = await client.post(
        "/api/v1/schools",
        json={
            "urn": 100010,
            "name": "Hillside Primary",
            "local_authority": "Leeds",
            "phase": "Primary",
            "postcode": "LS1 1AA",
        },
        headers=bearer(admin),
    )
    assert school.status_code == 201, school.text
    [token] = await signed_in(client, ["sam@example.org"])
    me = (await client.get("/api/v1/me", headers=bearer(token))).json()
    assert (me["school"], me["profile_complete"]) == (None, False)
    partly = await client.patch(
        "/api/v1/me",
        json={"name": "Sam Jones", "school_id": school.json()["id"]},
        headers=bearer(token),
    )
    assert partly.json()["school"] == {
        "id": school.json()["id"],
        "urn": 100010,
        "name": "Hillside Primary",
    }
    assert partly.json()["profile_complete"] is False  # no job role yet
    await client.patch("/api/v1/me", json={"job_role": "senco"}, headers=bearer(token))
    me = (await client.get("/api/v1/me", headers=bearer(token))).json()
    assert (me["school"]["urn"], me["profile_complete"]) == (100010, True)


async def test_patch_me_with_an_unknown_school_is_400(client, admin):
    response = await client.patch("/api/v1/me", json={"school_id": "nope"}, headers=bearer(admin))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "school_id"
