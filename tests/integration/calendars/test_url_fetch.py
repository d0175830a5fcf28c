"""Linked timetables against real local HTTP servers: DNS rebinding, redirects to private
addresses, stalls, oversized bodies, failing refreshes and conditional refreshes
(docs/contract.md, Calendars; docs/calendars.md, rules 39, 40).

Names are answered by a fake resolver (the event loop's getaddrinfo, which both our check and
httpx's own connect path use) and a fake router sends connections for one "public" address to a
local server; every TCP connection's target is recorded, and no other global address is dialled.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking import url_fetch
from booking.errors import InvalidCalendarError, UrlNotAllowedError, UrlUnreachableError
from booking.models import Timetable
from booking.services import timetables as timetables_service
from booking.services.calendar_import import CalendarImport
from booking.services.timetables import RETRY_AFTER_ERROR, TimetableService
from booking.url_fetch import fetch_calendar
from tests.integration.calendars.test_timetables_api import weekly_ics
from tests.support.engine import teacher_token
from tests.support.factories import bearer
from tests.support.http_server import POLL_SECONDS

TEACHER = "t@school.example"
# A global address standing in for a calendar server on the internet; the fake router sends
# connections for it to a local server.
PUBLIC = "93.184.215.14"
LAST_MODIFIED = "Mon, 04 Jan 2027 10:00:00 GMT"


# --- a local server that answers what the test says -------------------------------------------


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class Server:
    port: int
    respond: Callable[[BaseHTTPRequestHandler, Server], None]
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@contextmanager
def local_server(
    respond: Callable[[BaseHTTPRequestHandler, Server], None],
    tls: ssl.SSLContext | None = None,
) -> Iterator[Server]:
    holder: list[Server] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server = holder[0]
            server.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            with contextlib.suppress(OSError):  # the client gave up on us, as some tests want
                server.respond(self, server)

        def log_message(self, *_args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    holder.append(Server(port=httpd.server_address[1], respond=respond))
    # shutdown() waits for serve_forever's next poll: the default half second, at every
    # server a test stops.
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
    )
    thread.start()
    try:
        yield holder[0]
    finally:
        holder[0].release.set()  # let stalled handlers end
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def calendar(summary: str = "Good lesson") -> Callable[[BaseHTTPRequestHandler, Server], None]:
    def respond(handler: BaseHTTPRequestHandler, _server: Server) -> None:
        send(handler, 200, weekly_ics(summary), Content_Type="text/calendar")

    return respond


def redirect_to(location: str) -> Callable[[BaseHTTPRequestHandler, Server], None]:
    def respond(handler: BaseHTTPRequestHandler, _server: Server) -> None:
        send(handler, 302, Location=location)

    return respond


def stall(handler: BaseHTTPRequestHandler, server: Server) -> None:
    """Headers and the start of a calendar, then nothing until the test ends."""
    handler.send_response(200)
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    handler.wfile.write(weekly_ics()[:200])
    handler.wfile.flush()
    server.release.wait(30)


def trickle(handler: BaseHTTPRequestHandler, server: Server) -> None:
    """A byte every 50 ms: each read is quick, the whole never ends."""
    handler.send_response(200)
    handler.send_header("Connection", "close")
    handler.end_headers()
    for byte in weekly_ics() * 100:
        if server.release.wait(0.05):
            return
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()


def endless(handler: BaseHTTPRequestHandler, server: Server) -> None:
    """A calendar without Content-Length that goes on well past the size cap."""
    handler.send_response(200)
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(b"BEGIN:VCALENDAR\r\n")
    for _ in range(64):  # 4 MiB
        if server.release.is_set():
            return
        handler.wfile.write(b"X" * 65536)


# --- a fake resolver and router ----------------------------------------------------------------


@dataclass
class FakeNetwork:
    # name -> addresses answered in turn, one per lookup; the last answer repeats.
    dns: dict[str, list[str]] = field(default_factory=dict)
    # global address -> port of the local server standing in for it
    routes: dict[str, int] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)
    connects: list[str] = field(default_factory=list)


@pytest.fixture
async def network(monkeypatch) -> FakeNetwork:
    net = FakeNetwork()
    # On the loop class: the app under AsyncTestClient runs in a loop of its own.
    loop_class = type(asyncio.get_running_loop())
    real_getaddrinfo, real_connect = loop_class.getaddrinfo, anyio.connect_tcp

    async def getaddrinfo(loop: Any, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in net.dns:
            return await real_getaddrinfo(loop, host, port, *args, **kwargs)
        net.lookups.append(name)
        answers = net.dns[name]
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    async def connect_tcp(remote_host: Any, remote_port: int, **kwargs: Any) -> Any:
        host = remote_host.decode() if isinstance(remote_host, bytes) else str(remote_host)
        if host in net.dns:  # a client resolving the name again as it connects
            loop = asyncio.get_running_loop()
            host = (await getaddrinfo(loop, host, remote_port))[0][4][0]
        net.connects.append(host)
        if host in net.routes:
            return await real_connect("127.0.0.1", net.routes[host], **kwargs)
        if ipaddress.ip_address(host).is_global:
            raise OSError(f"the tests do not dial {host}")
        return await real_connect(host, remote_port, **kwargs)

    # Both our check (loop.getaddrinfo) and anyio's connect path resolve through the loop.
    monkeypatch.setattr(loop_class, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(anyio, "connect_tcp", connect_tcp)
    return net


@pytest.fixture
def short_timeout(monkeypatch) -> float:
    monkeypatch.setattr(url_fetch, "TIMEOUT_SECONDS", 0.5)
    return 0.5


# --- fetching -----------------------------------------------------------------------------------


async def test_rebinding_name_connects_only_to_the_checked_address(network):
    """calendar.test answers a public address when checked and 127.0.0.1 afterwards. The fetch
    must connect to the checked address (here routed to the real calendar server), never to
    the second answer (an internal server on the port the URL names).

    Control: before the fix (commit message of the pinning change) httpx resolved the name again
    when connecting, got 127.0.0.1, and this test failed with the internal server's calendar
    returned and `internal.seen` not empty."""
    with local_server(calendar()) as good, local_server(calendar("Secret")) as internal:
        network.dns["calendar.test"] = [PUBLIC, "127.0.0.1"]
        network.routes[PUBLIC] = good.port
        fetched = await fetch_calendar(
            f"http://calendar.test:{internal.port}/cal.ics", allow_private=False
        )
    assert b"Good lesson" in fetched.body
    assert internal.seen == []
    assert [s.path for s in good.seen] == ["/cal.ics"]
    assert network.connects == [PUBLIC]
    assert network.lookups == ["calendar.test"]  # resolved once, when checked


@pytest.fixture
def certificate(tmp_path, monkeypatch):
    """A self-signed certificate for calendar.test, trusted by the fetcher for this test."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - openssl from PATH
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=calendar.test",
            "-addext", "subjectAltName=DNS:calendar.test",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    monkeypatch.setattr(
        httpx, "create_ssl_context", lambda **_: ssl.create_default_context(cafile=cert)
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    return server


async def test_pinned_https_still_verifies_and_names_the_host(network, certificate):
    """Connecting to the checked address keeps TLS about the name: SNI is calendar.test and the
    certificate is checked against it, so another name pinned to the same server fails."""
    names = []
    certificate.sni_callback = lambda _sock, name, _ctx: names.append(name)
    with local_server(calendar(), tls=certificate) as server:
        network.dns["calendar.test"] = [PUBLIC]
        network.dns["other.test"] = [PUBLIC]
        network.routes[PUBLIC] = server.port
        fetched = await fetch_calendar(
            f"https://calendar.test:{server.port}/cal.ics", allow_private=False
        )
        with pytest.raises(UrlUnreachableError, match="ConnectError"):
            await fetch_calendar(f"https://other.test:{server.port}/cal.ics", allow_private=False)
    assert b"Good lesson" in fetched.body
    assert names[0] == "calendar.test"
    assert [s.path for s in server.seen] == ["/cal.ics"]
    assert network.connects == [PUBLIC, PUBLIC]


async def test_rebinding_across_a_redirect_is_pinned_per_hop(network):
    """Each hop is checked and connected to the address checked for it."""
    with local_server(calendar()) as good, local_server(calendar("Secret")) as internal:
        network.dns["first.test"] = [PUBLIC]
        network.dns["second.test"] = [PUBLIC, "127.0.0.1"]
        network.routes[PUBLIC] = good.port

        def respond(handler: BaseHTTPRequestHandler, server: Server) -> None:
            if handler.path == "/start":
                send(handler, 302, Location=f"http://second.test:{internal.port}/cal.ics")
            else:
                calendar()(handler, server)

        good.respond = respond
        fetched = await fetch_calendar(
            f"http://first.test:{internal.port}/start", allow_private=False
        )
    assert b"Good lesson" in fetched.body
    assert internal.seen == []
    assert [s.path for s in good.seen] == ["/start", "/cal.ics"]
    assert set(network.connects) == {PUBLIC}


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/cal.ics",
        "http://localhost:{port}/cal.ics",
        "http://[::ffff:127.0.0.1]:{port}/cal.ics",
        "http://intranet.test:{port}/cal.ics",  # a name answering 10.1.2.3
    ],
)
async def test_redirect_to_a_private_address_is_refused(network, location):
    with local_server(calendar("Secret")) as internal:
        location = location.format(port=internal.port)
        with local_server(redirect_to(location)) as public:
            network.dns["calendar.test"] = [PUBLIC]
            network.dns["intranet.test"] = ["10.1.2.3"]
            network.routes[PUBLIC] = public.port
            with pytest.raises(UrlNotAllowedError):
                await fetch_calendar(
                    f"http://calendar.test:{internal.port}/cal.ics", allow_private=False
                )
    assert internal.seen == []
    assert set(network.connects) == {PUBLIC}


async def test_a_stalled_server_times_out_with_a_clear_error(short_timeout):
    with local_server(stall) as server:
        started = time.monotonic()
        with pytest.raises(UrlUnreachableError, match=r"did not answer within 0\.5 seconds"):
            await fetch_calendar(f"{server.base}/cal.ics", allow_private=True)
    assert time.monotonic() - started < short_timeout + 2


async def test_a_trickling_server_times_out_over_the_whole_fetch(short_timeout):
    with local_server(trickle) as server:
        started = time.monotonic()
        with pytest.raises(UrlUnreachableError, match="did not answer within"):
            await fetch_calendar(f"{server.base}/cal.ics", allow_private=True)
    assert time.monotonic() - started < short_timeout + 2


async def test_a_body_over_the_cap_without_content_length_is_refused():
    with (
        local_server(endless) as server,
        pytest.raises(InvalidCalendarError, match="larger than 1 MiB"),
    ):
        await fetch_calendar(f"{server.base}/cal.ics", allow_private=True)


async def test_validators_are_sent_and_304_means_unchanged():
    def respond(handler: BaseHTTPRequestHandler, _server: Server) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            send(handler, 304, ETag='"v1"')
        else:
            send(handler, 200, weekly_ics(), ETag='"v1"', Last_Modified=LAST_MODIFIED)

    with local_server(respond) as server:
        first = await fetch_calendar(f"{server.base}/cal.ics", allow_private=True)
        again = await fetch_calendar(
            f"{server.base}/cal.ics",
            allow_private=True,
            etag=first.etag,
            last_modified=first.last_modified,
        )
    assert (first.not_modified, first.etag, first.last_modified) == (
        False,
        '"v1"',
        LAST_MODIFIED,
    )
    assert "if-none-match" not in server.seen[0].headers
    assert server.seen[1].headers["if-none-match"] == '"v1"'
    assert server.seen[1].headers["if-modified-since"] == LAST_MODIFIED
    assert (again.not_modified, again.body, again.etag) == (True, b"", '"v1"')
    assert again.last_modified == LAST_MODIFIED  # kept from the request


async def test_304_to_an_unconditional_request_is_a_failure():
    with (
        local_server(lambda handler, _server: send(handler, 304)) as server,
        pytest.raises(UrlUnreachableError, match="304"),
    ):
        await fetch_calendar(f"{server.base}/cal.ics", allow_private=True)


# --- through the API and the periodic refresh ---------------------------------------------------


@pytest.fixture
async def teacher(client, mail_dir):
    return await teacher_token(client, TEACHER)


async def stored(sessionmaker: async_sessionmaker[AsyncSession]) -> Timetable:
    async with sessionmaker() as db_session:
        return (await db_session.scalars(select(Timetable))).one()


async def refresh(sessionmaker, clock) -> int:
    async with sessionmaker() as db_session:
        return await TimetableService(clock, CalendarImport()).refresh_due(
            db_session, allow_private=True
        )


async def test_api_links_a_public_name_and_refuses_a_redirect_inside(client, teacher, network):
    """With private addresses not allowed (the default), a name checked as public is linked,
    and a redirect from it to loopback is 400 url_not_allowed."""
    with local_server(calendar("Secret")) as internal:

        def respond(handler: BaseHTTPRequestHandler, server: Server) -> None:
            if handler.path == "/cal.ics":
                calendar()(handler, server)
            else:
                send(handler, 302, Location=f"{internal.base}/cal.ics")

        with local_server(respond) as public:
            network.dns["calendar.test"] = [PUBLIC]
            network.routes[PUBLIC] = public.port
            linked = await client.put(
                "/api/v1/me/timetable",
                json={"url": f"http://calendar.test:{internal.port}/cal.ics"},
                headers=bearer(teacher),
            )
            refused = await client.put(
                "/api/v1/me/timetable",
                json={"url": f"http://calendar.test:{internal.port}/moved"},
                headers=bearer(teacher),
            )
    assert linked.status_code == 200, linked.text
    assert linked.json()["source"] == "url"
    assert refused.status_code == 400
    assert refused.json()["code"] == "url_not_allowed"
    assert internal.seen == []
    kept = (await client.get("/api/v1/me/timetable", headers=bearer(teacher))).json()
    assert kept["url"] == f"http://calendar.test:{internal.port}/cal.ics"


@pytest.mark.parametrize("behaviour", [stall, trickle])
async def test_api_stalled_server_leaves_the_timetable_unchanged(
    permissive, mail_dir, short_timeout, behaviour
):
    token = await teacher_token(permissive, TEACHER)
    upload = await permissive.put(
        "/api/v1/me/timetable",
        content=weekly_ics("Uploaded"),
        headers=bearer(token) | {"content-type": "text/calendar"},
    )
    assert upload.status_code == 200, upload.text
    with local_server(behaviour) as server:
        response = await permissive.put(
            "/api/v1/me/timetable", json={"url": f"{server.base}/cal.ics"}, headers=bearer(token)
        )
    assert response.status_code == 400
    assert response.json()["code"] == "url_unreachable"
    assert "did not answer within 0.5 seconds" in response.json()["detail"]
    after = (await permissive.get("/api/v1/me/timetable", headers=bearer(token))).json()
    assert after == upload.json()


@pytest.mark.parametrize("failure", ["status", "stall", "oversized", "not_a_calendar"])
async def test_failed_refresh_keeps_the_timetable_and_retries_later(
    permissive, mail_dir, sessionmaker, clock, short_timeout, failure
):
    mode = {"now": "ok"}

    def respond(handler: BaseHTTPRequestHandler, server: Server) -> None:
        if mode["now"] == "ok":
            send(handler, 200, weekly_ics("Old lesson"))
        elif mode["now"] == "fixed":
            send(handler, 200, weekly_ics("New lesson"))
        elif failure == "status":
            send(handler, 503, b"down for maintenance")
        elif failure == "stall":
            stall(handler, server)
        elif failure == "oversized":
            endless(handler, server)
        else:
            send(handler, 200, b"<html>login</html>")

    token = await teacher_token(permissive, TEACHER)
    with local_server(respond) as server:
        linked = await permissive.put(
            "/api/v1/me/timetable", json={"url": f"{server.base}/cal.ics"}, headers=bearer(token)
        )
        assert linked.status_code == 200, linked.text
        before = await stored(sessionmaker)

        mode["now"] = "failing"
        clock.advance(timedelta(hours=7))
        assert await refresh(sessionmaker, clock) == 1
        failed = await stored(sessionmaker)
        assert (failed.ics, failed.fetched_at) == (before.ics, before.fetched_at)
        assert failed.last_error
        assert failed.next_refresh_at == clock.now() + RETRY_AFTER_ERROR
        shown = (await permissive.get("/api/v1/me/timetable", headers=bearer(token))).json()
        assert shown["last_error"] == failed.last_error
        assert shown["entries"] == linked.json()["entries"]

        assert await refresh(sessionmaker, clock) == 0  # not due again yet
        mode["now"] = "fixed"
        clock.advance(RETRY_AFTER_ERROR)
        assert await refresh(sessionmaker, clock) == 1
    recovered = await stored(sessionmaker)
    assert b"New lesson" in (recovered.ics or b"")
    assert (recovered.last_error, recovered.fetched_at) == (None, clock.now())


async def test_refresh_sends_validators_and_304_keeps_the_calendar(
    permissive, mail_dir, sessionmaker, clock, monkeypatch
):
    state = {"etag": '"v1"', "summary": "Old lesson"}
    answered_304: list[str] = []

    def respond(handler: BaseHTTPRequestHandler, _server: Server) -> None:
        if handler.headers.get("If-None-Match") == state["etag"]:
            answered_304.append(handler.path)
            send(handler, 304, ETag=state["etag"])
        else:
            send(
                handler,
                200,
                weekly_ics(state["summary"]),
                ETag=state["etag"],
                Last_Modified=LAST_MODIFIED,
            )

    parses: list[bytes] = []
    real_read = CalendarImport.entries

    async def read(self, data: bytes, window):
        parses.append(data)
        return await real_read(self, data, window)

    monkeypatch.setattr(CalendarImport, "entries", read)
    token = await teacher_token(permissive, TEACHER)
    with local_server(respond) as server:
        url = f"{server.base}/cal.ics"
        linked = await permissive.put(
            "/api/v1/me/timetable", json={"url": url}, headers=bearer(token)
        )
        assert linked.status_code == 200, linked.text
        first = await stored(sessionmaker)
        assert (first.etag, first.last_modified) == ('"v1"', LAST_MODIFIED)
        assert "if-none-match" not in server.seen[0].headers  # linking always fetches afresh

        for _ in range(2):
            clock.advance(timedelta(hours=7))
            assert await refresh(sessionmaker, clock) == 1
        assert len(answered_304) == 2
        assert len(parses) == 1  # only the first fetch was parsed
        unchanged = await stored(sessionmaker)
        assert unchanged.ics == first.ics
        assert (unchanged.fetched_at, unchanged.last_error) == (clock.now(), None)
        assert unchanged.next_refresh_at == clock.now() + timetables_service.REFRESH_EVERY
        assert server.seen[-1].headers["if-none-match"] == '"v1"'
        assert server.seen[-1].headers["if-modified-since"] == LAST_MODIFIED

        state.update(etag='"v2"', summary="New lesson")
        clock.advance(timedelta(hours=7))
        assert await refresh(sessionmaker, clock) == 1
        changed = await stored(sessionmaker)
        assert b"New lesson" in (changed.ics or b"")
        assert changed.etag == '"v2"'
        assert len(parses) == 2
        clock.advance(timedelta(hours=7))
        assert await refresh(sessionmaker, clock) == 1
        assert len(answered_304) == 3
    assert len(server.seen) == 5


async def test_a_new_link_or_upload_forgets_the_validators(permissive, mail_dir, sessionmaker):
    def respond(handler: BaseHTTPRequestHandler, _server: Server) -> None:
        send(handler, 200, weekly_ics(), ETag='"v1"')

    token = await teacher_token(permissive, TEACHER)
    with local_server(respond) as server:
        await permissive.put(
            "/api/v1/me/timetable", json={"url": f"{server.base}/a.ics"}, headers=bearer(token)
        )
    assert (await stored(sessionmaker)).etag == '"v1"'
    await permissive.put(
        "/api/v1/me/timetable",
        content=weekly_ics(),
        headers=bearer(token) | {"content-type": "text/calendar"},
    )
    assert ((await stored(sessionmaker)).etag, (await stored(sessionmaker)).last_modified) == (
        None,
        None,
    )
