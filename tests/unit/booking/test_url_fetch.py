from __future__ import annotations

import pytest

from booking.errors import UrlNotAllowedError
from booking.url_fetch import check_host, normalise_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("webcal://calendar.example.org/a.ics", "https://calendar.example.org/a.ics"),
        ("WEBCAL://calendar.example.org/a.ics?x=1", "https://calendar.example.org/a.ics?x=1"),
        ("https://calendar.example.org", "https://calendar.example.org/"),
        ("http://calendar.example.org/a.ics#frag", "http://calendar.example.org/a.ics"),
    ],
)
def test_webcal_becomes_https(given, expected):
    assert normalise_url(given) == expected


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "gopher://x.example/", "https://", "javascript:alert(1)"]
)
def test_only_http_addresses_are_fetched(url):
    with pytest.raises(UrlNotAllowedError):
        normalise_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://[::1]/",
        "http://169.254.169.254/",
        "http://192.168.1.1/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "http://[::ffff:10.0.0.1]/",
    ],
)
async def test_resolved_private_addresses_are_refused(url):
    with pytest.raises(UrlNotAllowedError):
        await check_host(url, allow_private=False)


async def test_private_addresses_pass_when_allowed():
    await check_host("http://127.0.0.1/", allow_private=True)
