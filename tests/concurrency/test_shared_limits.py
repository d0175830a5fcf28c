"""Several apps on one database, like several processes (tests/concurrency/conftest.py): a
revoked or deactivated token is refused by every one of them at once, and the rate limits
hold across them because the counters are rows in the shared database. The control swaps
each app's counter for one in its own memory and shows the same race then grants more than
the limit: the test can see a limit that is not shared."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial

import msgspec
import pytest
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter

from booking.settings import DatabaseSettings, LimitSettings
from tests.support.factories import admin_token, bearer
from tests.support.race import race, runtime_of, serve_in_loop
from tests.support.sign_in import signed_in

PER_MINUTE = 10
CODES_PER_HOUR = 4


@pytest.fixture
async def apps(settings, clock, engine) -> AsyncIterator[list[object]]:
    limited = msgspec.structs.replace(
        settings,
        database=DatabaseSettings(url=settings.database.url, pool_size=4),
        limits=LimitSettings(
            requests_per_minute=PER_MINUTE, sign_in_per_address_per_hour=CODES_PER_HOUR
        ),
    )
    async with (
        serve_in_loop(limited, clock) as first,
        serve_in_loop(limited, clock) as second,
        serve_in_loop(limited, clock) as third,
    ):
        yield [first, second, third]


async def me(app, token):
    return (await app.get("/api/v1/me", headers=bearer(token))).status_code


async def test_a_revoked_token_is_refused_by_every_app_at_once(apps):
    laptop, phone = await signed_in(apps[0], ["sam@example.org", "sam@example.org"])
    assert [await me(app, laptop) for app in apps] == [200, 200, 200]
    items = (await apps[1].get("/api/v1/me/tokens", headers=bearer(phone))).json()["items"]
    [lost] = [i["id"] for i in items if not i["current"]]
    revoked = await apps[1].delete(f"/api/v1/me/tokens/{lost}", headers=bearer(phone))
    assert revoked.status_code == 204
    assert [await me(app, laptop) for app in apps] == [401, 401, 401]
    signed_out = await apps[2].post("/api/v1/auth/sign-out", headers=bearer(phone))
    assert signed_out.status_code == 204
    assert [await me(app, phone) for app in apps] == [401, 401, 401]


async def test_a_deactivated_user_is_refused_by_every_app_at_once(apps, sessionmaker, clock):
    admin = await admin_token(sessionmaker, clock)
    tokens = await signed_in(apps[0], ["sam@example.org"] * 3)
    user_id = (await apps[0].get("/api/v1/me", headers=bearer(tokens[0]))).json()["id"]
    assert [await me(app, t) for app, t in zip(apps, tokens, strict=True)] == [200, 200, 200]
    response = await apps[2].patch(
        f"/api/v1/users/{user_id}", json={"active": False}, headers=bearer(admin)
    )
    assert response.status_code == 200
    assert [await me(app, t) for app in apps for t in tokens] == [401] * 9


async def burst(apps, token, n):
    responses = await race(
        [partial(apps[i % len(apps)].get, "/api/v1/me", headers=bearer(token)) for i in range(n)]
    )
    return sorted(r.status_code for r in responses)


async def test_the_request_limit_holds_across_apps(apps):
    [token] = await signed_in(apps[0], ["sam@example.org"])
    statuses = await burst(apps, token, 3 * PER_MINUTE)
    assert statuses == [200] * PER_MINUTE + [429] * (2 * PER_MINUTE)


async def test_control_a_limit_kept_in_each_apps_memory_grants_too_much(apps):
    for app in apps:
        limits = runtime_of(app).limits
        limits.strategy = FixedWindowRateLimiter(MemoryStorage())
    [token] = await signed_in(apps[0], ["sam@example.org"])
    statuses = await burst(apps, token, 3 * PER_MINUTE)
    assert statuses.count(200) > PER_MINUTE


async def test_the_sign_in_limit_holds_across_apps(apps):
    responses = await race(
        [
            partial(
                apps[i % len(apps)].post, "/api/v1/auth/email-code", json={"email": f"t{i}@x.org"}
            )
            for i in range(3 * CODES_PER_HOUR)
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [202] * CODES_PER_HOUR + [429] * (2 * CODES_PER_HOUR)
