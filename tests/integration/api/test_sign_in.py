"""Email-code sign-in (docs/contract.md, Identity)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.models import ApiToken
from tests.support.factories import bearer
from tests.support.mail import last_code, messages, text_part
from tests.support.race import race, serve_in_loop

EMAIL = "sam.teacher@example.org"


async def sign_in(client, mail_dir, email=EMAIL):
    assert (await client.post("/api/v1/auth/email-code", json={"email": email})).status_code == 202
    code = last_code(mail_dir, email.lower())
    response = await client.post("/api/v1/auth/token", json={"email": email, "code": code})
    assert response.status_code == 200, response.text
    return response.json()


async def test_code_is_mailed_on_its_own_line_and_exchanged_for_a_token(client, mail_dir):
    body = await sign_in(client, mail_dir)
    assert body["user"]["email"] == EMAIL
    me = await client.get("/api/v1/me", headers=bearer(body["api_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]


async def test_unknown_addresses_become_teachers(client, mail_dir):
    body = await sign_in(client, mail_dir, "New.Person@Example.org")
    assert body["user"]["role"] == "teacher"
    assert body["user"]["email"] == "new.person@example.org"


async def test_every_well_formed_address_gets_the_same_answer(client):
    first = await client.post("/api/v1/auth/email-code", json={"email": "nobody@example.org"})
    assert first.status_code == 202
    assert (
        first.json() == (await client.post("/api/v1/auth/email-code", json={"email": EMAIL})).json()
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": ""},
        {"email": "not-an-address"},
        {"email": "a@b"},
        {"email": "a\r\nBcc: x@example.org"},
        {"email": 5},
    ],
)
async def test_missing_or_malformed_address_is_400(client, body):
    response = await client.post("/api/v1/auth/email-code", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


async def test_wrong_code_is_invalid_code(client, mail_dir):
    await client.post("/api/v1/auth/email-code", json={"email": EMAIL})
    code = last_code(mail_dir, EMAIL)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = await client.post("/api/v1/auth/token", json={"email": EMAIL, "code": wrong})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_code_is_single_use(client, mail_dir):
    await client.post("/api/v1/auth/email-code", json={"email": EMAIL})
    code = last_code(mail_dir, EMAIL)
    first = await client.post("/api/v1/auth/token", json={"email": EMAIL, "code": code})
    again = await client.post("/api/v1/auth/token", json={"email": EMAIL, "code": code})
    assert (first.status_code, again.status_code) == (200, 400)


async def test_five_wrong_tries_void_the_code(client, mail_dir):
    await client.post("/api/v1/auth/email-code", json={"email": EMAIL})
    code = last_code(mail_dir, EMAIL)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        await client.post("/api/v1/auth/token", json={"email": EMAIL, "code": wrong})
    response = await client.post("/api/v1/auth/token", json={"email": EMAIL, "code": code})
    assert response.json()["code"] == "invalid_code"


async def test_four_wrong_tries_leave_the_code_usable(client, mail_dir):
    await client.post("/api/v1/auth/email-code", json={"email": EMAIL})
    code = last_code(mail_dir, EMAIL)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        await client.post("/api/v1/auth/token", json={"email": EMAIL, "code": wrong})
    response = await client.post("/api/v1/auth/token", json={"email": EMAIL, "code": code})
    assert response.status_code == 200


async def test_only_the_newest_code_is_valid(client, mail_dir):
    await client.post("/api/v1/auth/email-code", json={"email": EMAIL})
    older = last_code(mail_dir, EMAIL)
    await client.post("/api/v1/auth/email-code", json={"email": EMAIL})
    newer = last_code(mail_dir, EMAIL)
    if older != newer:
        stale = await client.post("/api/v1/auth/token", json={"email": EMAIL, "code": older})
        assert stale.status_code == 400
    assert (
        await client.post("/api/v1/auth/token", json={"email": EMAIL, "code": newer})
    ).status_code == 200


async def test_code_expires_after_15_minutes(client, mail_dir, clock):
    await client.post("/api/v1/auth/email-code", json={"email": EMAIL})
    code = last_code(mail_dir, EMAIL)
    clock.advance(timedelta(minutes=15))
    response = await client.post("/api/v1/auth/token", json={"email": EMAIL, "code": code})
    assert response.json()["code"] == "invalid_code"


async def test_code_is_valid_just_before_expiry(client, mail_dir, clock):
    await client.post("/api/v1/auth/email-code", json={"email": EMAIL})
    code = last_code(mail_dir, EMAIL)
    clock.advance(timedelta(minutes=14, seconds=59))
    response = await client.post("/api/v1/auth/token", json={"email": EMAIL, "code": code})
    assert response.status_code == 200


async def test_sixth_code_in_an_hour_is_rate_limited_with_retry_after(client, clock):
    for _ in range(5):
        assert (
            await client.post("/api/v1/auth/email-code", json={"email": EMAIL})
        ).status_code == 202
        clock.advance(timedelta(minutes=10))
    response = await client.post("/api/v1/auth/email-code", json={"email": EMAIL})
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    # The first code was sent 50 minutes ago: it leaves the window in 10 minutes.
    assert response.headers["retry-after"] == "600"
    clock.advance(timedelta(minutes=10))
    assert (await client.post("/api/v1/auth/email-code", json={"email": EMAIL})).status_code == 202


async def test_rate_limit_counts_per_address(client):
    for _ in range(5):
        await client.post("/api/v1/auth/email-code", json={"email": EMAIL})
    other = await client.post("/api/v1/auth/email-code", json={"email": "other@example.org"})
    assert other.status_code == 202


@pytest.fixture
async def racing(settings, clock, engine):
    """The app on this event loop, so gathered requests really interleave (tests/support/race)."""
    async with serve_in_loop(settings, clock) as client:
        yield client


async def test_rate_limit_holds_under_concurrent_requests(racing, mail_dir):
    responses = await race(
        [lambda: racing.post("/api/v1/auth/email-code", json={"email": EMAIL}) for _ in range(12)]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(202) == 5
    assert statuses.count(429) == 7
    assert len([m for m in messages(mail_dir) if m["To"] == EMAIL]) == 5


async def test_concurrent_exchanges_of_one_code_give_one_token(racing, mail_dir):
    await racing.post("/api/v1/auth/email-code", json={"email": EMAIL})
    code = last_code(mail_dir, EMAIL)
    body = {"email": EMAIL, "code": code}
    responses = await race([lambda: racing.post("/api/v1/auth/token", json=body) for _ in range(8)])
    assert sorted(r.status_code for r in responses) == [200] + [400] * 7


async def test_the_mail_says_how_long_the_code_lasts(client, mail_dir):
    await client.post("/api/v1/auth/email-code", json={"email": EMAIL})
    (mail,) = messages(mail_dir)
    assert "15 minutes" in text_part(mail)
    assert mail["From"].addresses[0].addr_spec == "bookings@booking.test"


async def test_token_of_a_signed_in_user_is_stored_only_as_a_hash(client, mail_dir, sessionmaker):
    token = (await sign_in(client, mail_dir))["api_token"]
    async with sessionmaker() as db_session:
        stored = (await db_session.scalars(select(ApiToken.token_hash))).all()
    assert token not in stored
    assert len(stored) == 1
    assert len(stored[0]) == 64
