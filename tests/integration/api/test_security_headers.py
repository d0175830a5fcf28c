"""Security headers on every response, errors and 404s included (docs/contract.md, Input rules).

Error pages show the signed-in user's email, yet the 404s, 403s and CSRF refusals used to go
out with none of the pages' headers, and API and feed responses had no `nosniff`.
"""

from __future__ import annotations

import httpx
import pytest
from litestar.testing import AsyncTestClient
from msgspec.structs import replace

from booking.http_headers import PAGE_POLICY
from tests.pages.conftest import open_page, sign_in
from tests.support.app_pool import lent_app
from tests.support.factories import admin_token, bearer
from tests.support.faults import commits_fail


def assert_everywhere(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff", response.headers
    assert "strict-transport-security" not in response.headers  # http://, not https


def assert_page(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert_everywhere(response)
    policy = response.headers["content-security-policy"]
    assert policy == PAGE_POLICY
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"


@pytest.fixture
async def admin(sessionmaker, clock):
    return await admin_token(sessionmaker, clock)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/no-such-page", 404),
        ("GET", "/cohorts/no-such-cohort", 404),
        ("GET", "/my/bookings", 303),
        ("GET", "/schema", 200),
    ],
)
async def test_pages_and_their_errors_carry_the_page_headers(client, method, path, status):
    response = await client.request(method, path, follow_redirects=False)
    assert response.status_code == status
    if status == 303:
        assert_everywhere(response)  # off to /sign-in: no page, but nosniff anyway
    else:
        assert_page(response)


async def test_a_csrf_refusal_carries_the_page_headers(client):
    await open_page(client, "/sign-in")
    response = await client.post("/sign-in", data={"email": "ada@example.org"})
    assert response.status_code == 403
    assert_page(response)


async def test_a_signed_in_error_page_carries_the_page_headers(client, mail_dir):
    await sign_in(client, mail_dir, "ada@example.org")
    response = await client.get("/hub")  # a teacher is not shown the hub's page
    assert response.status_code == 404
    assert "ada@example.org" in response.text  # the page names who is signed in
    assert_page(response)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/hubs", 200),
        ("GET", "/api/v1/nothing-here", 404),
        ("DELETE", "/api/v1/hubs", 405),
        ("GET", "/api/v1/me", 401),
        ("GET", "/health", 200),
        ("GET", "/ready", 200),
        ("GET", "/schema/openapi.json", 200),
        ("GET", "/static/govuk/govuk-frontend.min.css", 200),
        ("GET", "/feeds/not-a-token.ics", 404),
    ],
)
async def test_api_feed_and_probe_responses_are_nosniff(client, method, path, status):
    response = await client.request(method, path)
    assert response.status_code == status
    assert_everywhere(response)


async def test_a_personal_feed_keeps_its_own_referrer_policy(client, admin):
    url = (await client.get("/api/v1/me/feed", headers=bearer(admin))).json()["https_url"]
    response = await client.get(httpx.URL(url).path)
    assert response.status_code == 200
    assert_everywhere(response)
    assert response.headers.get_list("referrer-policy") == ["no-referrer"]


async def test_a_500_carries_the_headers(client, app, admin):
    with commits_fail(app):
        response = await client.post(
            "/api/v1/hubs",
            json={"name": "Hub", "region": "R", "contact_email": "a@example.org"},
            headers=bearer(admin),
        )
    assert response.status_code == 500
    assert_everywhere(response)


async def test_a_413_and_a_400_carry_the_headers(client, admin):
    too_big = await client.post(
        "/api/v1/hubs",
        content=b"[" * (70 * 1024),
        headers=bearer(admin) | {"content-type": "application/json"},
    )
    bad = await client.post(
        "/api/v1/hubs", content=b"[]", headers=bearer(admin) | {"content-type": "application/json"}
    )
    assert (too_big.status_code, bad.status_code) == (413, 400)
    for response in (too_big, bad):
        assert_everywhere(response)


@pytest.mark.parametrize("path", ["/", "/no-such-page", "/api/v1/hubs", "/api/v1/nothing-here"])
async def test_https_base_url_adds_strict_transport_security_everywhere(
    settings, clock, engine, path
):
    https = replace(settings, server=replace(settings.server, base_url="https://training.example"))
    with lent_app(https, clock) as app:
        async with AsyncTestClient(app=app, base_url="https://training.example") as client:
            response = await client.get(path)
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert response.headers["x-content-type-options"] == "nosniff"
