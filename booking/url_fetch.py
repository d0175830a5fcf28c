"""Fetching a teacher's calendar URL without letting it reach inside our network (SSRF).

Every hop's host is resolved first and refused if any address is private, loopback, link-local,
multicast, reserved or unspecified (unless explicitly allowed, for tests and intranets); redirects
are followed by hand so each new host is checked the same way. Size and time are capped.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from booking.errors import InvalidCalendarError, UrlNotAllowedError, UrlUnreachableError

MAX_BYTES = 1024 * 1024
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def normalise_url(url: str) -> str:
    """webcal:// is https:// (ICALENDAR.md rule 42); only http(s) is fetched."""
    parts = urlsplit(url.strip())
    scheme = {"webcal": "https", "webcals": "https"}.get(parts.scheme.lower(), parts.scheme.lower())
    if scheme not in {"http", "https"} or not parts.hostname:
        raise UrlNotAllowedError("give an http, https or webcal address")
    if parts.username or parts.password:
        raise UrlNotAllowedError("addresses with a user name or password are not fetched")
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


async def check_host(url: str, *, allow_private: bool) -> None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UrlUnreachableError(f"cannot resolve {host}") from exc
    if allow_private:
        return
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
        if not address.is_global or address.is_multicast:
            raise UrlNotAllowedError("private, loopback and link-local addresses are not fetched")


async def fetch_calendar(url: str, *, allow_private: bool) -> bytes:
    """The body at `url` (normalised), at most MAX_BYTES, within TIMEOUT_SECONDS."""
    current = normalise_url(url)
    # trust_env=False: no proxy from the environment, which would connect to hosts we never checked.
    async with httpx.AsyncClient(
        follow_redirects=False, timeout=TIMEOUT_SECONDS, trust_env=False
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            await check_host(current, allow_private=allow_private)
            try:
                async with asyncio.timeout(TIMEOUT_SECONDS):
                    response, body = await _get(client, current)
            except (httpx.HTTPError, TimeoutError) as exc:
                detail = f"fetching the calendar failed: {type(exc).__name__}"
                raise UrlUnreachableError(detail) from exc
            if response.status_code in REDIRECTS and "location" in response.headers:
                current = normalise_url(urljoin(current, response.headers["location"]))
                continue
            if response.status_code != 200:  # noqa: PLR2004 - anything but OK is a failure here
                raise UrlUnreachableError(f"the calendar address answered {response.status_code}")
            return body
    raise UrlUnreachableError("too many redirects")


async def _get(client: httpx.AsyncClient, url: str) -> tuple[httpx.Response, bytes]:
    headers = {"Accept": "text/calendar, */*;q=0.5"}
    async with client.stream("GET", url, headers=headers) as response:
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_BYTES:
                raise InvalidCalendarError("the calendar is larger than 1 MiB")
            chunks.append(chunk)
        return response, b"".join(chunks)
