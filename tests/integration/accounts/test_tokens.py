"""Tokens people control (docs/contract.md, Accounts, tokens and privacy: tokens)."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest
from sqlalchemy import select

from booking.models import ApiToken
from booking.services.users import UserService
from booking.settings import AccountSettings
from tests.support.factories import admin_token, bearer, create_user
from tests.support.mail import last_code
from tests.support.sign_in import signed_in

EMAIL = "sam@example.org"


@pytest.fixture
def settings(settings):
    """Short lifetimes, so a test moves the clock by hours, not months."""
    accounts = AccountSettings(token_ttl=timedelta(hours=2), api_token_ttl=timedelta(hours=10))
    return msgspec.structs.replace(settings, accounts=accounts)


async def sign_in(client, mail_dir, email=EMAIL) -> str:
    await client.post("/api/v1/auth/email-code", json={"email": email})
    response = await client.post(
        "/api/v1/auth/token", json={"email": email, "code": last_code(mail_dir, email)}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["api_token"])


async def me(client, token):
    return (await client.get("/api/v1/me", headers=bearer(token))).status_code


async def stored(sessionmaker) -> list[ApiToken]:
    async with sessionmaker() as db_session:
        return list((await db_session.scalars(select(ApiToken).order_by(ApiToken.id))).all())


async def test_a_sign_in_token_unused_for_its_ttl_is_refused(client, mail_dir, clock):
    token = await sign_in(client, mail_dir)
    clock.advance(timedelta(hours=2))
    assert await me(client, token) == 401


async def test_each_use_slides_a_sign_in_token_on(client, mail_dir, clock):
    token = await sign_in(client, mail_dir)
    for _ in range(3):  # six hours in all, never two unused
        clock.advance(timedelta(hours=1, minutes=59))
        assert await me(client, token) == 200
    clock.advance(timedelta(hours=2))
    assert await me(client, token) == 401


async def test_use_within_a_minute_writes_nothing(client, mail_dir, clock, sessionmaker):
    """last_used_at moves once a minute at most: reading with a token is a read."""
    token = await sign_in(client, mail_dir)
    [issued] = await stored(sessionmaker)
    clock.advance(timedelta(seconds=59))
    for _ in range(5):
        assert await me(client, token) == 200
    [row] = await stored(sessionmaker)
    assert (row.last_used_at, row.expires_at) == (issued.last_used_at, issued.expires_at)
    clock.advance(timedelta(seconds=1))
    assert await me(client, token) == 200
    [row] = await stored(sessionmaker)
    assert row.last_used_at == clock.now()
    assert row.expires_at == clock.now() + timedelta(hours=2)


async def test_an_api_token_lasts_its_ttl_from_issue_however_used(client, sessionmaker, clock):
    admin = await admin_token(sessionmaker, clock)
    created = await create_user(client, admin, "ops.bot@example.org", "admin")
    token = created["api_token"]
    for _ in range(9):
        clock.advance(timedelta(hours=1))
        assert await me(client, token) == 200
    clock.advance(timedelta(hours=1))
    assert await me(client, token) == 401


async def test_my_tokens_lists_kinds_and_marks_the_current_one(client, mail_dir, clock):
    first = await sign_in(client, mail_dir)
    clock.advance(timedelta(minutes=5))
    second = await sign_in(client, mail_dir)
    response = await client.get("/api/v1/me/tokens", headers=bearer(second))
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["kind"], i["current"]) for i in items] == [("sign_in", True), ("sign_in", False)]
    newest = items[0]
    assert newest["created_at"] == newest["last_used_at"] == "2027-01-11T09:05:00Z"
    assert newest["expires_at"] == "2027-01-11T11:05:00Z"
    assert set(newest) == {"id", "kind", "created_at", "last_used_at", "expires_at", "current"}
    assert first not in response.text
    assert second not in response.text


async def test_revoking_one_of_my_tokens_ends_it_at_once(client, mail_dir):
    laptop, phone = await sign_in(client, mail_dir), await sign_in(client, mail_dir)
    items = (await client.get("/api/v1/me/tokens", headers=bearer(phone))).json()["items"]
    lost = next(i["id"] for i in items if not i["current"])
    response = await client.delete(f"/api/v1/me/tokens/{lost}", headers=bearer(phone))
    assert response.status_code == 204
    assert await me(client, laptop) == 401
    assert await me(client, phone) == 200


async def test_someone_elses_token_id_is_404_and_stays_live(client, mail_dir):
    mine = await sign_in(client, mail_dir)
    theirs = await sign_in(client, mail_dir, "other@example.org")
    [their_id] = [
        i["id"]
        for i in (await client.get("/api/v1/me/tokens", headers=bearer(theirs))).json()["items"]
    ]
    response = await client.delete(f"/api/v1/me/tokens/{their_id}", headers=bearer(mine))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert await me(client, theirs) == 200


async def test_sign_out_revokes_the_calling_token_only(client, mail_dir):
    here, there = await sign_in(client, mail_dir), await sign_in(client, mail_dir)
    response = await client.post("/api/v1/auth/sign-out", headers=bearer(here))
    assert response.status_code == 204
    assert await me(client, here) == 401
    assert await me(client, there) == 200
    assert (await client.post("/api/v1/auth/sign-out", headers=bearer(here))).status_code == 401


async def test_sign_out_without_a_token_is_401(client):
    response = await client.post("/api/v1/auth/sign-out")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


async def test_create_admin_revokes_the_admins_earlier_tokens(client, sessionmaker, clock):
    old = await admin_token(sessionmaker, clock, "ops@example.org")
    assert await me(client, old) == 200
    new = await admin_token(sessionmaker, clock, "ops@example.org")
    assert await me(client, old) == 401
    assert await me(client, new) == 200
    items = (await client.get("/api/v1/me/tokens", headers=bearer(new))).json()["items"]
    assert [i["kind"] for i in items] == ["api"]


async def test_create_admin_uses_the_api_token_ttl(client, sessionmaker, clock, settings):
    async with sessionmaker() as db_session:
        _, token = await UserService(clock, settings.accounts).ensure_admin(
            db_session, "ops@example.org", None
        )
    [row] = await stored(sessionmaker)
    assert row.kind == "api"
    assert row.expires_at == clock.now() + timedelta(hours=10)
    assert await me(client, token) == 200


async def test_tokens_from_the_test_helper_are_sign_in_tokens(client):
    [token] = await signed_in(client, [EMAIL])
    items = (await client.get("/api/v1/me/tokens", headers=bearer(token))).json()["items"]
    assert [i["kind"] for i in items] == ["sign_in"]
