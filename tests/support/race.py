"""Helpers for tests that really race: firing requests at once, and reading the truth back.

The invariants (docs/contract.md, Bookings and the waitlist) are checked against the booking ROWS,
not only the cohort's counters: a lost update can leave the counters looking fine while the rows
show more seats taken than exist.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.clock import Clock
from booking.models import Booking, BookingStatus, Cohort
from booking.runtime import Runtime
from booking.settings import Settings
from tests.support.app_pool import borrow_app, give_back
from tests.support.engine import ALL_WEEK, World
from tests.support.factories import bearer, create_hub, create_user, create_venue
from tests.support.mail import CODE_LINE, messages, text_part

T = TypeVar("T")

# Bounds, so a stuck request or a stuck shutdown fails its test instead of hanging the run.
RACE_TIMEOUT_SECONDS = 120
SHUTDOWN_TIMEOUT_SECONDS = 30

SEAT_HOLDING = {BookingStatus.CONFIRMED.value, BookingStatus.OFFERED.value}
ACTIVE = SEAT_HOLDING | {BookingStatus.WAITLISTED.value}


class Response(Protocol):
    """What the tests read from an httpx (or Litestar test client) response."""

    status_code: int
    text: str

    def json(self) -> Any: ...


class HttpClient(Protocol):
    async def get(self, url: str, **kwargs: Any) -> Any: ...
    async def post(self, url: str, **kwargs: Any) -> Any: ...
    async def put(self, url: str, **kwargs: Any) -> Any: ...
    async def patch(self, url: str, **kwargs: Any) -> Any: ...
    async def delete(self, url: str, **kwargs: Any) -> Any: ...


async def race(calls: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run every call at once: each task waits at a starting gate, which opens only when all
    have been scheduled, so no early request gets a head start while later ones are created."""
    gate = asyncio.Event()

    async def run(call: Callable[[], Awaitable[T]]) -> T:
        await gate.wait()
        return await call()

    tasks = [asyncio.ensure_future(run(call)) for call in calls]
    await asyncio.sleep(0)
    gate.set()
    async with asyncio.timeout(RACE_TIMEOUT_SECONDS):
        return list(await asyncio.gather(*tasks))


@asynccontextmanager
async def serve_in_loop(
    settings: Settings, clock: Clock, *, request_timeout: float = 60
) -> AsyncIterator[httpx.AsyncClient]:
    """An app built by create_app (or lent again: tests.support.app_pool), its lifespan (its own
    engine and pool) run on this event loop, called through httpx's ASGITransport: concurrent
    requests really interleave.

    (Litestar's AsyncTestClient does not: it runs the app behind a blocking portal in another
    thread, so `asyncio.gather` over its requests runs them one at a time.)

    The lifespan runs in a task of its own, because it holds an anyio cancel scope that must be
    left by the task that entered it, and pytest-asyncio tears fixtures down in another task.
    """
    app = borrow_app(settings, clock)
    started, stopping = asyncio.Event(), asyncio.Event()

    async def lifespan() -> None:
        async with app.lifespan():
            started.set()
            await stopping.wait()

    running = asyncio.create_task(lifespan())
    ready = asyncio.create_task(started.wait())
    await asyncio.wait({running, ready}, return_when=asyncio.FIRST_COMPLETED)
    if running.done():
        ready.cancel()
        running.result()  # start-up failed: raise its error here
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://127.0.0.1:8000",
            timeout=request_timeout,
        ) as client:
            yield client
    finally:
        stopping.set()
        async with asyncio.timeout(SHUTDOWN_TIMEOUT_SECONDS):
            await running
    give_back(app, settings)  # only once its lifespan has ended cleanly


def runtime_of(client: httpx.AsyncClient) -> Runtime:
    """The runtime of the app serve_in_loop put behind `client`."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    runtime: Runtime = transport.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def outcome(response: Response) -> tuple[int, str]:
    """(status, what happened): the booking status on success, the problem code on failure."""
    try:
        body = response.json()
    except ValueError:
        return response.status_code, response.text[:80]
    if not isinstance(body, dict):
        return response.status_code, ""
    key = "status" if response.status_code < 300 else "code"
    return response.status_code, str(body.get(key))


def outcomes(responses: Sequence[Response]) -> Counter[tuple[int, str]]:
    return Counter(outcome(r) for r in responses)


def assert_no_server_errors(responses: Sequence[Response]) -> None:
    errors = [(r.status_code, r.text[:300]) for r in responses if r.status_code >= 500]
    assert not errors, f"{len(errors)} requests failed with 5xx: {errors[:3]}"


@dataclass(frozen=True, slots=True)
class BookingRow:
    id: str
    teacher_id: str
    status: str
    waitlist_seq: int | None


@dataclass(frozen=True, slots=True)
class CohortState:
    """The cohort's counters and its booking rows, read in one transaction."""

    capacity: int
    confirmed_count: int
    offered_count: int
    waitlist_seq: int
    waitlist_mode: str
    rows: tuple[BookingRow, ...]

    def with_status(self, status: BookingStatus) -> list[BookingRow]:
        return [r for r in self.rows if r.status == status.value]

    def teachers(self, status: BookingStatus) -> set[str]:
        return {r.teacher_id for r in self.with_status(status)}

    @property
    def confirmed(self) -> int:
        return len(self.with_status(BookingStatus.CONFIRMED))

    @property
    def offered(self) -> int:
        return len(self.with_status(BookingStatus.OFFERED))

    @property
    def waitlist(self) -> list[str]:
        """Waiting teachers in join order."""
        rows = self.with_status(BookingStatus.WAITLISTED)
        return [r.teacher_id for r in sorted(rows, key=lambda r: r.waitlist_seq or 0)]

    def summary(self) -> str:
        return (
            f"capacity={self.capacity} rows: confirmed={self.confirmed} offered={self.offered} "
            f"waitlisted={len(self.waitlist)}; counters: confirmed={self.confirmed_count} "
            f"offered={self.offered_count}"
        )


async def cohort_state(engine: AsyncEngine, cohort_id: str) -> CohortState:
    async with engine.connect() as conn:
        cohort = (
            await conn.execute(
                select(
                    Cohort.capacity,
                    Cohort.confirmed_count,
                    Cohort.offered_count,
                    Cohort.waitlist_seq,
                    Cohort.waitlist_mode,
                ).where(Cohort.id == cohort_id)
            )
        ).one()
        rows = (
            await conn.execute(
                select(Booking.id, Booking.teacher_id, Booking.status, Booking.waitlist_seq).where(
                    Booking.cohort_id == cohort_id
                )
            )
        ).all()
        await conn.rollback()
    return CohortState(
        capacity=cohort.capacity,
        confirmed_count=cohort.confirmed_count,
        offered_count=cohort.offered_count,
        waitlist_seq=cohort.waitlist_seq,
        waitlist_mode=str(cohort.waitlist_mode),
        rows=tuple(BookingRow(r.id, r.teacher_id, str(r.status), r.waitlist_seq) for r in rows),
    )


def overbooked(state: CohortState) -> bool:
    """More seats held by rows than exist, or counters that disagree with the rows."""
    return (
        state.confirmed + state.offered > state.capacity
        or state.confirmed != state.confirmed_count
        or state.offered != state.offered_count
    )


def assert_invariants(state: CohortState, *, no_idle_seat_while_waiting: bool = False) -> None:
    """confirmed + offered <= capacity (rows), counters equal rows, one active booking per
    teacher, and a waitlist with one distinct join number per waiter.

    no_idle_seat_while_waiting: in `auto` mode outside the promotion cutoff, a free seat and a
    non-empty waitlist never exist together (freed seats go to the waitlist at once).
    """
    assert state.confirmed + state.offered <= state.capacity, f"overbooked: {state.summary()}"
    assert (state.confirmed_count, state.offered_count) == (state.confirmed, state.offered), (
        f"counters disagree with rows: {state.summary()}"
    )
    active = Counter(r.teacher_id for r in state.rows if r.status in ACTIVE)
    doubles = {t: n for t, n in active.items() if n > 1}
    assert not doubles, f"teachers with more than one active booking: {doubles}"
    seqs = [r.waitlist_seq for r in state.with_status(BookingStatus.WAITLISTED)]
    assert None not in seqs, "a waitlisted booking without a join number"
    assert len(set(seqs)) == len(seqs), f"two waiters share a join number: {sorted(seqs)}"
    assert all(s is not None and s <= state.waitlist_seq for s in seqs), "join number from nowhere"
    assert all(
        r.waitlist_seq is None for r in state.rows if r.status != BookingStatus.WAITLISTED.value
    ), "a booking that is not waiting keeps a join number"
    if no_idle_seat_while_waiting and state.waitlist:
        assert state.confirmed + state.offered == state.capacity, (
            f"a seat is free while teachers wait: {state.summary()}"
        )


async def assert_roster_agrees(
    client: HttpClient, hub_admin: str, cohort_id: str, state: CohortState
) -> None:
    """The API tells the same story as the rows: live waitlist positions 1..n in join order."""
    response = await client.get(f"/api/v1/cohorts/{cohort_id}/roster", headers=bearer(hub_admin))
    assert response.status_code == 200, response.text
    roster = response.json()
    waiting = roster["waitlist"]
    assert [e["waitlist_position"] for e in waiting] == list(range(1, len(waiting) + 1))
    assert [e["teacher_id"] for e in waiting] == state.waitlist
    assert {e["teacher_id"] for e in roster["confirmed"]} == state.teachers(BookingStatus.CONFIRMED)
    assert {e["teacher_id"] for e in roster["offered"]} == state.teachers(BookingStatus.OFFERED)
    cohort = (await client.get(f"/api/v1/cohorts/{cohort_id}")).json()
    assert cohort["seats_left"] == state.capacity - state.confirmed - state.offered
    assert cohort["waitlist_length"] == len(state.waitlist)


async def sign_in_teachers(
    clients: Sequence[HttpClient], mail_dir: Path, emails: Sequence[str]
) -> list[str]:
    """API tokens for `emails`, signed in through email codes, spread over `clients`.

    Codes are requested all at once, read from the mail directory in one pass, then exchanged
    all at once; every address gets exactly one code, so there is nothing to choose between.
    """

    def client_for(i: int) -> HttpClient:
        return clients[i % len(clients)]

    async def request(i: int, email: str) -> None:
        response = await client_for(i).post("/api/v1/auth/email-code", json={"email": email})
        assert response.status_code == 202, response.text

    await asyncio.gather(*(request(i, e) for i, e in enumerate(emails)))
    codes: dict[str, str] = {}
    for message in messages(mail_dir):
        match = CODE_LINE.search(text_part(message))
        if match:
            codes[str(message["To"])] = match.group(1)

    async def exchange(i: int, email: str) -> str:
        response = await client_for(i).post(
            "/api/v1/auth/token", json={"email": email, "code": codes[email]}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["api_token"])

    return list(await asyncio.gather(*(exchange(i, e) for i, e in enumerate(emails))))


async def book(
    client: HttpClient, token: str, cohort_id: str, headers: dict[str, str] | None = None
) -> Response:
    response: Response = await client.post(
        f"/api/v1/cohorts/{cohort_id}/bookings", json={}, headers=bearer(token) | (headers or {})
    )
    return response


async def cancel(client: HttpClient, token: str, booking_id: str) -> Response:
    response: Response = await client.delete(
        f"/api/v1/bookings/{booking_id}", headers=bearer(token)
    )
    return response


async def answer_offer(client: HttpClient, token: str, booking_id: str, verb: str) -> Response:
    response: Response = await client.post(
        f"/api/v1/bookings/{booking_id}/{verb}", headers=bearer(token)
    )
    return response


def interleave(*groups: Sequence[T]) -> list[T]:
    """Round-robin over the groups, so each kind of request is spread through the rush."""
    mixed: list[T] = []
    for i in range(max(len(g) for g in groups)):
        mixed.extend(g[i] for g in groups if i < len(g))
    return mixed


async def build_world_as(client: HttpClient, admin: str, *, venue_capacity: int = 30) -> World:
    """tests.support.engine.build_world for a server in another process: the admin token comes
    from `booking create-admin` instead of the test's own sessionmaker."""
    hub = await create_hub(client, admin)
    hub_admin = await create_user(client, admin, "hubadmin@example.org", "hub_admin", hub["id"])
    trainer = await create_user(client, admin, "trainer@example.org", "trainer", hub["id"])
    response = await client.put(
        f"/api/v1/trainers/{trainer['user']['id']}/availability",
        json={"timezone": "Europe/London", "weekly": ALL_WEEK},
        headers=bearer(hub_admin["api_token"]),
    )
    assert response.status_code == 200, response.text
    venue = await create_venue(client, hub_admin["api_token"], hub["id"], capacity=venue_capacity)
    response = await client.post(
        "/api/v1/courses",
        json={
            "title": "Autism in the classroom",
            "summary": "S",
            "need_areas": ["sensory_and_physical"],
            "audience": ["teacher"],
        },
        headers=bearer(hub_admin["api_token"]),
    )
    assert response.status_code == 201, response.text
    return World(admin, hub, hub_admin["api_token"], trainer, venue, response.json())


def emails(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}@school.example" for i in range(n)]


class InFlight:
    """Counts calls inside a wrapped coroutine function at once (a request waiting for the lock
    or the pool, or holding it): proof that a race test really overlapped its requests."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0

    def wrap(self, function: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
        async def counted(*args: Any, **kwargs: Any) -> T:
            self.now += 1
            self.most = max(self.most, self.now)
            try:
                return await function(*args, **kwargs)
            finally:
                self.now -= 1

        return counted
