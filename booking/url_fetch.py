"""Fetching a teacher's calendar URL without letting it reach inside our network (SSRF).

Every hop's host is resolved first and refused if any address is not public (booking.ip_policy:
private, loopback, link-local, site-local, multicast, reserved, unspecified, or IPv6 that
carries such an IPv4 address), unless explicitly allowed, for tests and intranets; redirects
are followed by hand so each new host is checked the same way. The connection then goes to the
addresses that were checked, not to whatever a second lookup answers (DNS rebinding). Size and
time are capped; a refresh sends the validators of the last fetch (docs/calendars.md, rule 40).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpcore
import httpx

from booking.errors import InvalidCalendarError, UrlNotAllowedError, UrlUnreachableError
from booking.ip_policy import is_public

MAX_BYTES = 1024 * 1024
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def normalise_url(url: str) -> str:
    """webcal:// is https:// (docs/calendars.md, rule 39); only http(s) is fetched."""
    parts = urlsplit(url.strip())
    scheme = {"webcal": "https", "webcals": "https"}.get(parts.scheme.lower(), parts.scheme.lower())
    if scheme not in {"http", "https"} or not parts.hostname:
        raise UrlNotAllowedError("give an http, https or webcal address")
    if parts.username or parts.password:
        raise UrlNotAllowedError("addresses with a user name or password are not fetched")
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _host_and_port(url: str) -> tuple[str, int]:
    """The host as httpcore will connect to it (IDNA-encoded, IPv6 without brackets)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UrlNotAllowedError("not a valid address") from exc
    return parsed.raw_host.decode("ascii"), parsed.port or (443 if parsed.scheme == "https" else 80)


async def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` answers, in the resolver's order, without duplicates."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UrlUnreachableError(f"cannot resolve {host}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def check_host(url: str, *, allow_private: bool) -> list[str]:
    """The addresses of `url`'s host, all of them public unless private ones are allowed."""
    addresses = await resolve(*_host_and_port(url))
    if not allow_private:
        for text in addresses:
            # A zone index (fe80::1%eth0) only says which interface: the address decides.
            if not is_public(ipaddress.ip_address(text.split("%", 1)[0])):
                raise UrlNotAllowedError(
                    "private, loopback and link-local addresses are not fetched"
                )
    return addresses


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects a host name only to the addresses checked for it (`pins`), never to a fresh
    lookup, which could answer something else (DNS rebinding). TLS is untouched: httpcore
    verifies the certificate against, and sends as SNI, the host name of the URL."""

    def __init__(self) -> None:
        self.pins: dict[str, list[str]] = {}
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = self.pins.get(host)
        if not addresses:
            raise httpcore.ConnectError(f"{host} was not checked")
        failure: Exception | None = None
        for address in addresses:  # in the resolver's order, as a plain connect would
            try:
                return await self._network.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"cannot connect to {host}")

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


class _PinnedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, backend: _PinnedBackend) -> None:
        super().__init__(trust_env=False)
        # httpx takes no network backend: swap the connection pool it built (nothing is open
        # yet) for one connecting through `backend`, with the TLS context httpx would use.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False), network_backend=backend
        )


@dataclass(frozen=True, slots=True)
class Fetched:
    """A calendar fetched, or (not_modified, body empty) unchanged since the validators sent."""

    body: bytes
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


async def fetch_calendar(
    url: str,
    *,
    allow_private: bool,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """The body at `url` (normalised), at most MAX_BYTES, within TIMEOUT_SECONDS in all.

    With the validators of an earlier fetch, asks only for a changed calendar
    (docs/calendars.md, rule 40): a 304 comes back as `not_modified`."""
    current = normalise_url(url)
    headers = {"Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    backend = _PinnedBackend()
    # trust_env=False: no proxy from the environment, which would connect to hosts we never checked.
    async with httpx.AsyncClient(
        transport=_PinnedTransport(backend),
        follow_redirects=False,
        timeout=TIMEOUT_SECONDS,
        trust_env=False,
    ) as client:
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                for _ in range(MAX_REDIRECTS + 1):
                    host, _port = _host_and_port(current)
                    backend.pins[host] = await check_host(current, allow_private=allow_private)
                    response, body = await _get(client, current, headers)
                    if response.status_code in REDIRECTS and "location" in response.headers:
                        current = normalise_url(urljoin(current, response.headers["location"]))
                        continue
                    return _result(response, body, etag, last_modified)
        except (TimeoutError, httpx.TimeoutException) as exc:
            detail = f"the calendar server did not answer within {TIMEOUT_SECONDS:g} seconds"
            raise UrlUnreachableError(detail) from exc
        except httpx.HTTPError as exc:
            detail = f"fetching the calendar failed: {type(exc).__name__}"
            raise UrlUnreachableError(detail) from exc
    raise UrlUnreachableError("too many redirects")


def _result(
    response: httpx.Response, body: bytes, etag: str | None, last_modified: str | None
) -> Fetched:
    new_etag = response.headers.get("etag")
    new_last_modified = response.headers.get("last-modified")
    if response.status_code == httpx.codes.NOT_MODIFIED and (etag or last_modified):
        return Fetched(b"", new_etag or etag, new_last_modified or last_modified, not_modified=True)
    if response.status_code != httpx.codes.OK:
        raise UrlUnreachableError(f"the calendar address answered {response.status_code}")
    return Fetched(body, new_etag, new_last_modified)


async def _get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str]
) -> tuple[httpx.Response, bytes]:
    async with client.stream("GET", url, headers=headers) as response:
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_BYTES:
                raise InvalidCalendarError("the calendar is larger than 1 MiB")
            chunks.append(chunk)
        return response, b"".join(chunks)
