"""Rate limits (docs/contract.md, Rate limits): per client address, per email address, per token."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import msgspec
import pytest

from booking.limiter import client_address
from booking.settings import LimitSettings, MailSettings, Settings, parse_networks
from tests.support.factories import bearer
from tests.support.mail import last_code
from tests.support.race import serve_in_loop
from tests.support.sign_in import signed_in

LIMITS = LimitSettings(sign_in_per_address_per_hour=3, requests_per_minute=8)


@pytest.fixture
def settings(settings):
    return msgspec.structs.replace(settings, limits=LIMITS)


def refused(response, longest: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response.headers["retry-after"]) <= longest


async def ask(client, email, **kwargs):
    return await client.post("/api/v1/auth/email-code", json={"email": email}, **kwargs)


def test_the_defaults_are_the_contracts():
    defaults = Settings().limits
    assert (defaults.sign_in_per_address_per_hour, defaults.requests_per_minute) == (20, 600)
    assert defaults.proxy_networks == ()


# ---- sign-in codes -----------------------------------------------------------------------------


async def test_codes_per_client_address_whatever_the_email(client, clock, mail_dir):
    for n in range(3):
        assert (await ask(client, f"t{n}@example.org")).status_code == 202
    response = await ask(client, "t9@example.org")
    refused(response, 3600)
    assert int(response.headers["retry-after"]) == 3600
    assert not (mail_dir / "t9@example.org").exists()
    clock.advance(timedelta(minutes=30))
    refused(await ask(client, "t9@example.org"), 1800)
    clock.advance(timedelta(minutes=30))
    assert (await ask(client, "t9@example.org")).status_code == 202


async def test_the_sign_in_page_shares_the_address_limit(client, clock):
    for n in range(3):
        assert (await ask(client, f"t{n}@example.org")).status_code == 202
    page = await client.get("/sign-in")
    token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    response = await client.post(
        "/sign-in", data={"email": "page@example.org", "_csrf_token": token}
    )
    assert response.status_code == 429
    assert "too many codes" in response.text.lower()


@pytest.fixture
def mail_down_settings(settings, unused_tcp_port):
    """SMTP on a port nobody listens on: every code fails to send (503)."""
    mail = MailSettings(smtp_host="127.0.0.1", smtp_port=unused_tcp_port, max_attempts=1)
    limits = LimitSettings(sign_in_per_address_per_hour=100, requests_per_minute=1000)
    return msgspec.structs.replace(settings, mail=mail, limits=limits)


async def test_a_code_that_could_not_be_sent_does_not_count(
    mail_down_settings, settings, clock, engine, mail_dir
):
    async with serve_in_loop(mail_down_settings, clock) as down:
        for _ in range(6):
            response = await ask(down, "sam@example.org")
            assert response.status_code == 503
            assert response.json()["code"] == "mail_unavailable"
    up_settings = msgspec.structs.replace(settings, limits=mail_down_settings.limits)
    async with serve_in_loop(up_settings, clock) as up:
        statuses = [(await ask(up, "sam@example.org")).status_code for _ in range(6)]
        assert statuses == [202] * 5 + [429]
        # The newest code sent works: the unsent ones left nothing behind.
        response = await up.post(
            "/api/v1/auth/token",
            json={"email": "sam@example.org", "code": last_code(mail_dir, "sam@example.org")},
        )
        assert response.status_code == 200


async def test_thirty_wrong_codes_per_address_then_even_a_right_one_waits(client, clock, mail_dir):
    assert (await ask(client, "sam@example.org")).status_code == 202
    right = last_code(mail_dir, "sam@example.org")
    for n in range(30):
        wrong = await client.post(
            "/api/v1/auth/token", json={"email": f"x{n}@example.org", "code": "000000"}
        )
        assert wrong.status_code == 400
    response = await client.post(
        "/api/v1/auth/token", json={"email": "sam@example.org", "code": right}
    )
    refused(response, 3600)
    clock.advance(timedelta(minutes=14))  # the code lives 15 minutes; the window an hour
    refused(
        await client.post("/api/v1/auth/token", json={"email": "sam@example.org", "code": right}),
        3600,
    )


async def test_right_codes_do_not_count_as_wrong(client, mail_dir):
    for n in range(3):
        email = f"t{n}@example.org"
        await ask(client, email)
        for _ in range(11):  # 33 tries in all, all but three wrong: under 30 wrong
            await client.post("/api/v1/auth/token", json={"email": email, "code": "999999"})
    # 33 wrong by now: refused. (The control for the counting above.)
    response = await client.post(
        "/api/v1/auth/token", json={"email": "t0@example.org", "code": "999999"}
    )
    assert response.status_code == 429


# ---- every other request -----------------------------------------------------------------------


async def test_requests_per_token_a_minute(client, clock):
    mine, theirs = await signed_in(client, ["a@example.org", "b@example.org"])
    for _ in range(8):
        assert (await client.get("/api/v1/me", headers=bearer(mine))).status_code == 200
    refused(await client.get("/api/v1/me", headers=bearer(mine)), 60)
    client.cookies.set("booking_session", mine)  # the pages count against the same token
    page = await client.get("/my/bookings")
    client.cookies.clear()
    assert page.status_code == 429
    assert (await client.get("/api/v1/me", headers=bearer(theirs))).status_code == 200
    clock.advance(timedelta(seconds=60))
    assert (await client.get("/api/v1/me", headers=bearer(mine))).status_code == 200


async def test_signed_out_requests_count_per_client_address(client, clock):
    for _ in range(4):
        assert (await client.get("/api/v1/hubs")).status_code == 200
        assert (await client.get("/")).status_code == 200
    refused(await client.get("/api/v1/hubs"), 60)
    page = await client.get("/")
    assert page.status_code == 429
    assert "too many attempts" in page.text
    assert int(page.headers["retry-after"]) <= 60
    # A token that is not valid counts against the address too.
    refused(await client.get("/api/v1/me", headers=bearer("not-a-token")), 60)


async def test_sign_in_is_limited_by_its_own_limits_only(client):
    for _ in range(8):
        assert (await client.get("/api/v1/hubs")).status_code == 200
    assert (await ask(client, "sam@example.org")).status_code == 202


async def test_feeds_and_health_are_not_limited(client):
    for _ in range(12):
        assert (await client.get("/health")).status_code == 200


# ---- whose address -----------------------------------------------------------------------------

PROXIES = parse_networks("10.0.0.1, 192.168.0.0/16, 2001:db8::/32")


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not a proxy: the header is ignored
        ("10.0.0.1", "198.51.100.1, 10.0.0.1", "198.51.100.1"),  # trusted: the left-most
        ("192.168.4.4", " 198.51.100.2 ", "198.51.100.2"),
        ("2001:db8::1", "2001:db8:ffff::9", "2001:db8:ffff::9"),
        ("10.0.0.1", "", "10.0.0.1"),  # nothing forwarded: the peer
        ("10.0.0.1", "garbage, 198.51.100.1", "10.0.0.1"),  # unreadable: the peer
        (None, "198.51.100.1", "unknown"),
    ],
)
def test_client_address(peer, forwarded, expected):
    assert client_address(peer, forwarded, PROXIES) == expected


def test_without_trusted_proxies_the_peer_is_the_client():
    assert client_address("127.0.0.1", "198.51.100.1", ()) == "127.0.0.1"


def test_proxies_parse_addresses_and_cidrs():
    assert PROXIES[1] == ipaddress.ip_network("192.168.0.0/16")


@pytest.fixture
def proxied(settings):
    limits = msgspec.structs.replace(LIMITS, trusted_proxies="127.0.0.1")
    return msgspec.structs.replace(settings, limits=limits)


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    proxied, clock, engine
):
    """serve_in_loop's requests come from 127.0.0.1, here the trusted proxy."""
    async with serve_in_loop(proxied, clock) as http:
        for n in range(3):
            response = await ask(
                http, f"t{n}@example.org", headers={"X-Forwarded-For": "198.51.100.1"}
            )
            assert response.status_code == 202
        first = await ask(http, "t9@example.org", headers={"X-Forwarded-For": "198.51.100.1"})
        assert first.status_code == 429
        second = await ask(http, "t9@example.org", headers={"X-Forwarded-For": "198.51.100.2"})
        assert second.status_code == 202
