"""Admins managing people
(docs/contract.md, Accounts, tokens and privacy: admin user management)."""

from __future__ import annotations

import pytest

from tests.support.engine import build_world
from tests.support.factories import admin_token, bearer, create_hub, create_user
from tests.support.mail import last_code, to
from tests.support.sign_in import signed_in


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


async def users(client, token, **params):
    response = await client.get("/api/v1/users", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return [(u["email"], u["role"]) for u in response.json()["items"]]


async def test_admins_list_everyone_and_filter(client, world):
    await signed_in(client, ["teacher@example.org"])
    everyone = await users(client, world.admin)
    assert set(everyone) == {
        ("admin@example.org", "admin"),
        ("hubadmin@example.org", "hub_admin"),
        ("trainer@example.org", "trainer"),
        ("teacher@example.org", "teacher"),
    }
    assert await users(client, world.admin, role="trainer") == [("trainer@example.org", "trainer")]
    assert set(await users(client, world.admin, hub_id=world.hub["id"])) == {
        ("hubadmin@example.org", "hub_admin"),
        ("trainer@example.org", "trainer"),
    }
    assert await users(client, world.admin, q="TEACH") == [("teacher@example.org", "teacher")]
    assert await users(client, world.admin, q="%") == []
    # Users carry no school yet (schools come with their own change): nobody is at one.
    assert await users(client, world.admin, school_id="any-school") == []


async def test_lists_page_with_a_cursor(client, world):
    await signed_in(client, ["a@example.org", "b@example.org"])
    first = await client.get("/api/v1/users", params={"limit": 3}, headers=bearer(world.admin))
    body = first.json()
    assert len(body["items"]) == 3
    rest = await client.get(
        "/api/v1/users",
        params={"limit": 3, "cursor": body["next_cursor"]},
        headers=bearer(world.admin),
    )
    assert len(rest.json()["items"]) == 2
    assert rest.json()["next_cursor"] is None
    seen = {u["id"] for u in body["items"] + rest.json()["items"]}
    assert len(seen) == 5


async def test_a_hub_admin_sees_their_hubs_trainers_only(client, world):
    assert await users(client, world.hub_admin) == [("trainer@example.org", "trainer")]
    assert await users(client, world.hub_admin, role="trainer") == [
        ("trainer@example.org", "trainer")
    ]


@pytest.mark.parametrize("params", [{"role": "teacher"}, {"role": "admin"}, {"hub_id": "other"}])
async def test_a_hub_admin_asking_for_anyone_else_is_403(client, world, params):
    response = await client.get("/api/v1/users", params=params, headers=bearer(world.hub_admin))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_teachers_and_trainers_may_not_list_users(client, world):
    [teacher] = await signed_in(client, ["teacher@example.org"])
    for token in (teacher, world.trainer["api_token"]):
        response = await client.get("/api/v1/users", headers=bearer(token))
        assert response.status_code == 403
    assert (await client.get("/api/v1/users")).status_code == 401


@pytest.mark.parametrize("role", ["teacher", "hub_admin", "admin"])
async def test_a_hub_admin_creating_anything_but_a_trainer_is_403(client, world, role):
    body = {"email": "new@example.org", "name": "New", "role": role, "hub_id": world.hub["id"]}
    response = await client.post("/api/v1/users", json=body, headers=bearer(world.hub_admin))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_a_hub_admin_creating_a_trainer_of_another_hub_is_403(client, world):
    other = await create_hub(client, world.admin, name="Other Hub")
    body = {"email": "t2@example.org", "name": "T", "role": "trainer", "hub_id": other["id"]}
    response = await client.post("/api/v1/users", json=body, headers=bearer(world.hub_admin))
    assert response.status_code == 403


async def test_admin_renames_and_changes_a_role(client, world):
    [teacher] = await signed_in(client, ["teacher@example.org"])
    teacher_id = (await client.get("/api/v1/me", headers=bearer(teacher))).json()["id"]
    response = await client.patch(
        f"/api/v1/users/{teacher_id}",
        json={"name": "Sam Patel", "role": "hub_admin", "hub_id": world.hub["id"]},
        headers=bearer(world.admin),
    )
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["role"]) == ("Sam Patel", "hub_admin")
    # Back to teacher: the hub goes with the role.
    response = await client.patch(
        f"/api/v1/users/{teacher_id}", json={"role": "teacher"}, headers=bearer(world.admin)
    )
    assert (response.json()["role"], response.json()["hub_id"]) == ("teacher", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [({"role": "trainer"}, "hub_id"), ({"hub_id": "nope"}, "hub_id"), ({"active": "no"}, "active")],
)
async def test_a_bad_change_is_400_naming_the_field(client, world, body, field):
    [teacher] = await signed_in(client, ["teacher@example.org"])
    teacher_id = (await client.get("/api/v1/me", headers=bearer(teacher))).json()["id"]
    response = await client.patch(
        f"/api/v1/users/{teacher_id}", json=body, headers=bearer(world.admin)
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_only_admins_change_users(client, world):
    trainer_id = world.trainer["user"]["id"]
    response = await client.patch(
        f"/api/v1/users/{trainer_id}", json={"name": "X"}, headers=bearer(world.hub_admin)
    )
    assert response.status_code == 403
    response = await client.patch(
        "/api/v1/users/nobody", json={"name": "X"}, headers=bearer(world.admin)
    )
    assert response.status_code == 404


async def test_deactivating_revokes_every_token_and_refuses_sign_in(client, world, mail_dir):
    tokens = await signed_in(client, ["teacher@example.org"] * 3)
    teacher_id = (await client.get("/api/v1/me", headers=bearer(tokens[0]))).json()["id"]
    response = await client.patch(
        f"/api/v1/users/{teacher_id}", json={"active": False}, headers=bearer(world.admin)
    )
    assert response.status_code == 200
    assert response.json()["active"] is False
    for token in tokens:
        assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401
    # Sign-in answers as always, and sends nothing.
    asked = await client.post("/api/v1/auth/email-code", json={"email": "teacher@example.org"})
    assert asked.status_code == 202
    assert to(mail_dir, "teacher@example.org") == []
    # Reactivated: they can sign in again (no old token comes back).
    await client.patch(
        f"/api/v1/users/{teacher_id}", json={"active": True}, headers=bearer(world.admin)
    )
    await client.post("/api/v1/auth/email-code", json={"email": "teacher@example.org"})
    code = last_code(mail_dir, "teacher@example.org")
    signed = await client.post(
        "/api/v1/auth/token", json={"email": "teacher@example.org", "code": code}
    )
    assert signed.status_code == 200
    assert signed.json()["user"]["id"] == teacher_id
    assert (await client.get("/api/v1/me", headers=bearer(tokens[0]))).status_code == 401


async def test_a_code_issued_before_deactivation_is_refused(client, world, mail_dir):
    [token] = await signed_in(client, ["teacher@example.org"])
    teacher_id = (await client.get("/api/v1/me", headers=bearer(token))).json()["id"]
    await client.post("/api/v1/auth/email-code", json={"email": "teacher@example.org"})
    code = last_code(mail_dir, "teacher@example.org")
    await client.patch(
        f"/api/v1/users/{teacher_id}", json={"active": False}, headers=bearer(world.admin)
    )
    response = await client.post(
        "/api/v1/auth/token", json={"email": "teacher@example.org", "code": code}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"


async def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, world):
    me = (await client.get("/api/v1/me", headers=bearer(world.admin))).json()
    for body in ({"active": False}, {"role": "teacher"}):
        response = await client.patch(
            f"/api/v1/users/{me['id']}", json=body, headers=bearer(world.admin)
        )
        assert response.status_code == 409
        assert response.json()["code"] == "last_admin"
    response = await client.delete(f"/api/v1/users/{me['id']}", headers=bearer(world.admin))
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"
    assert (await client.delete("/api/v1/me", headers=bearer(world.admin))).status_code == 409


async def test_with_a_second_admin_the_first_may_step_down(client, world, sessionmaker, clock):
    second = await admin_token(sessionmaker, clock, "second@example.org")
    me = (await client.get("/api/v1/me", headers=bearer(world.admin))).json()
    response = await client.patch(
        f"/api/v1/users/{me['id']}", json={"role": "teacher"}, headers=bearer(second)
    )
    assert response.status_code == 200
    assert (await client.get("/api/v1/users", headers=bearer(world.admin))).status_code == 403
    deleted = await client.delete("/api/v1/me", headers=bearer(second))
    assert deleted.status_code == 409  # now the last one


async def test_a_created_user_reads_active(client, world):
    created = await create_user(client, world.admin, "t3@example.org", "trainer", world.hub["id"])
    assert created["user"]["active"] is True
