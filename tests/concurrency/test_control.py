"""The controls: the race harness can fail. Without the lock, the same rush overbooks.

Each control runs the rush of test_booking_rush (40 teachers at once, capacity 10) on a
database of its own, with a 50 ms sleep injected into the booking path between reading the
cohort and writing the booking (after `active_booking`), which widens the window a lost update
needs. Its twin runs the identical harness, sleep included, with the lock in place, and must
not overbook: so the sleep is not what makes the difference, the lock is.

- PostgreSQL: the app's LOCK_COHORT_ROWS session flag set False drops the `SELECT ... FOR
  UPDATE` on the cohort row. Every
  transaction reads the same counters, so more than 10 rows end up confirmed (and the ORM's
  `SET confirmed_count = <value read + 1>` loses updates, so the counters disagree with the
  rows; the CHECK cannot see it).
- SQLite: the lock is the engine recipe (isolation_level=None and BEGIN IMMEDIATE). The control
  app's engine is a plain aiosqlite engine (same file, same busy timeout): the sqlite3 driver
  then runs the reads outside any transaction and only begins one at the first write.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from booking.clock import FrozenClock
from booking.database import create_engine, create_sessionmaker
from booking.migrate import upgrade
from booking.repositories import bookings as booking_repo
from booking.repositories.cohorts import LOCK_COHORT_ROWS
from booking.settings import DatabaseSettings, MailSettings, Settings
from tests.support.engine import build_world, published_cohort
from tests.support.postgres import drop_database, recreate_database, require_postgres
from tests.support.race import (
    assert_invariants,
    assert_no_server_errors,
    book,
    cohort_state,
    emails,
    outcomes,
    overbooked,
    race,
    runtime_of,
    serve_in_loop,
)
from tests.support.sign_in import signed_in

SLEEP = 0.05
START = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
CAPACITY = 10
TEACHERS = 40


async def migrated(url):
    engine = create_engine(DatabaseSettings(url=url), enforce_foreign_keys=False)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def postgres_url():
    """A fresh PostgreSQL database for this test alone, whatever engine the run uses."""
    server = await require_postgres()
    url = server.rsplit("/", 1)[0] + f"/booking_conc_control_{uuid.uuid4().hex[:8]}"
    await recreate_database(url)
    await migrated(url)
    yield url
    await drop_database(url)


@pytest.fixture
async def sqlite_url(tmp_path):
    """A fresh SQLite file for this test alone, whatever engine the run uses."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'control.db'}"
    await migrated(url)
    return url


def widen_the_race(monkeypatch):
    """Sleep between reading the cohort's seats and writing the booking."""
    original = booking_repo.active_booking

    async def slow_active_booking(*args, **kwargs):
        found = await original(*args, **kwargs)
        await asyncio.sleep(SLEEP)
        return found

    monkeypatch.setattr(booking_repo, "active_booking", slow_active_booking)


async def rush(url, tmp_path, monkeypatch, *, lock_off=False):
    """40 teachers at a cohort of 10 at once, sleep injected; the state and the responses."""
    mail_dir = tmp_path / "mail"
    settings = Settings(
        database=DatabaseSettings(url=url),
        mail=MailSettings(mail_dir=mail_dir, mail_from="Bookings <bookings@booking.test>"),
    )
    clock = FrozenClock(START)
    engine = create_engine(settings.database)
    try:
        async with serve_in_loop(settings, clock) as http:
            world = await build_world(http, create_sessionmaker(engine), clock)
            start = clock.now() + timedelta(days=10)
            cohort = await published_cohort(http, world, start, capacity=CAPACITY)
            tokens = await signed_in(http, emails("t", TEACHERS))
            widen_the_race(monkeypatch)
            if lock_off:
                runtime_of(http).session_info[LOCK_COHORT_ROWS] = False
            responses = await race([partial(book, http, t, cohort["id"]) for t in tokens])
        return await cohort_state(engine, cohort["id"]), responses
    finally:
        await engine.dispose()


def report(what, state, responses):
    """The numbers, for a reader running with -s."""
    print(f"\ncontrol, {what}: {state.summary()}; {dict(outcomes(responses))}")  # noqa: T201


def assert_the_twin_holds(state, responses):
    assert_no_server_errors(responses)
    assert outcomes(responses) == {(201, "confirmed"): CAPACITY, (201, "waitlisted"): 30}
    assert_invariants(state, no_idle_seat_while_waiting=True)
    assert (state.confirmed, len(state.waitlist)) == (CAPACITY, TEACHERS - CAPACITY)


@pytest.mark.postgres
async def test_control_postgres_without_the_cohort_row_lock_overbooks(
    postgres_url, tmp_path, monkeypatch
):
    state, responses = await rush(postgres_url, tmp_path, monkeypatch, lock_off=True)
    assert overbooked(state), f"no overbooking without the lock: {state.summary()}"
    assert state.confirmed > CAPACITY, state.summary()
    report("PostgreSQL without the lock", state, responses)


@pytest.mark.postgres
async def test_twin_postgres_with_the_cohort_row_lock_and_the_same_sleep_holds(
    postgres_url, tmp_path, monkeypatch
):
    state, responses = await rush(postgres_url, tmp_path, monkeypatch)
    assert_the_twin_holds(state, responses)


@pytest.mark.sqlite
async def test_control_sqlite_without_the_begin_immediate_recipe_overbooks(
    sqlite_url, tmp_path, monkeypatch
):
    def plain_engine(database):
        # What create_async_engine gives by default: the driver's own transaction handling.
        return create_async_engine(database.url, connect_args={"timeout": 15})

    monkeypatch.setattr("booking.app.create_engine", plain_engine)
    state, responses = await rush(sqlite_url, tmp_path, monkeypatch)
    assert overbooked(state), f"no overbooking without the recipe: {state.summary()}"
    assert state.confirmed > CAPACITY, state.summary()
    report("SQLite without the recipe", state, responses)


@pytest.mark.sqlite
async def test_twin_sqlite_with_the_recipe_and_the_same_sleep_holds(
    sqlite_url, tmp_path, monkeypatch
):
    state, responses = await rush(sqlite_url, tmp_path, monkeypatch)
    assert_the_twin_holds(state, responses)
