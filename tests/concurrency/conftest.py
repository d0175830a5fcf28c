"""Fixtures for the race tests: apps that really serve requests side by side, and a world.

Why not the root `client` fixture: Litestar's AsyncTestClient runs the app in a separate
thread behind a blocking portal, and its `handle_async_request` calls the blocking
`handle_request`. Requests sent with `asyncio.gather` through it therefore run one after the
other, and a race test through it proves nothing (measured: at most one request inside the
booking transaction at any moment). Here each app runs its own lifespan on the test's event
loop and is called through httpx's ASGITransport, so requests interleave at every await: on
PostgreSQL the pool runs real parallel transactions, on SQLite each connection's thread waits
on the database lock while the others carry on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import msgspec
import pytest

from booking.services.bookings import BookingService
from booking.settings import DatabaseSettings
from tests.support.engine import build_world
from tests.support.race import InFlight, serve_in_loop

# Pools of the extra apps: small, so three apps and the test's own engine stay well inside
# PostgreSQL's max_connections while still running many transactions side by side.
EXTRA_APP_POOL_SIZE = 5


@pytest.fixture
async def http(settings, clock, engine) -> AsyncIterator[object]:
    """One app with the default pool (10 + 10 overflow), served on the test's event loop."""
    # `engine` is requested so the tables are emptied before the app starts.
    async with serve_in_loop(settings, clock) as client:
        yield client


@pytest.fixture
async def clients(http, settings, clock) -> AsyncIterator[list[object]]:
    """Three apps, each with its own engine and connection pool, like three processes: `http`
    and two more built by create_app on the same database."""
    extra = msgspec.structs.replace(
        settings,
        database=DatabaseSettings(url=settings.database.url, pool_size=EXTRA_APP_POOL_SIZE),
    )
    async with serve_in_loop(extra, clock) as second, serve_in_loop(extra, clock) as third:
        yield [http, second, third]


@pytest.fixture
async def world(http, sessionmaker, clock):
    return await build_world(http, sessionmaker, clock)


@pytest.fixture
def start(clock):
    """The first session: well outside the 24-hour promotion cutoff and 48-hour late window."""
    return clock.now() + timedelta(days=10)


@pytest.fixture
def in_flight(monkeypatch) -> InFlight:
    """How many booking requests were inside the booking service at once (waiting for the
    pool or the lock, or holding it)."""
    probe = InFlight()
    monkeypatch.setattr(BookingService, "book", probe.wrap(BookingService.book))
    return probe
