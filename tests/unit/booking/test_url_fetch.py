from __future__ import annotations

from ipaddress import ip_address

import pytest

from booking.errors import UrlNotAllowedError
from booking.ip_policy import is_public
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


# IPv6 that reaches IPv4 space, and IPv6 space that is not global (docs/contract.md, Input rules).
@pytest.mark.parametrize(
    "url",
    [
        "http://[::7f00:1]/",  # IPv4-compatible 127.0.0.1
        "http://[::a00:1]/",  # IPv4-compatible 10.0.0.1
        "http://[::ffff:0:7f00:1]/",  # IPv4-translated 127.0.0.1
        "http://[::ffff:0:a9fe:a9fe]/",  # IPv4-translated 169.254.169.254
        "http://[64:ff9b::7f00:1]/",  # NAT64 well-known prefix, 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64, the cloud metadata address
        "http://[64:ff9b:1::808:808]/",  # NAT64 local-use: where the IPv4 sits is local policy
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://[2002:c0a8:101::1]/",  # 6to4 of 192.168.1.1
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/",  # Teredo, client 10.0.0.1
        "http://[fec0::1]/",  # site-local
        "http://[fd00::1]/",  # unique local
        "http://[ff02::1]/",  # multicast
        "http://[100::1]/",  # discard-only
        "http://[2001:db8::1]/",  # documentation
        "http://[::]/",  # unspecified
    ],
)
async def test_ipv6_forms_of_private_space_are_refused(url):
    with pytest.raises(UrlNotAllowedError):
        await check_host(url, allow_private=False)


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "2606:4700:4700::1111",  # ordinary global unicast
        "::ffff:8.8.8.8",  # the forms above, carrying a public IPv4 address
        "::808:808",
        "64:ff9b::808:808",
        "2002:808:808::1",
        "2001:0:4136:e378:8000:63bf:f7f7:f7f7",  # Teredo: server 65.54.227.120, client 8.8.8.8
    ],
)
def test_public_addresses_and_ipv6_carrying_public_ipv4_are_allowed(address):
    assert is_public(ip_address(address))
