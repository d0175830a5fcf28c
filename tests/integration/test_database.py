"""Database plumbing: aware UTC round trips, constraints in the database, SQLite's write lock,
pooled PostgreSQL connections the server closed."""

from __future__ import annotations

import asyncio
import stat
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from booking import database as database_module
from booking.database import create_engine, unit_of_work
from booking.models import Hub, User, Venue
from booking.settings import DatabaseSettings


async def test_datetimes_come_back_aware_in_utc(sessionmaker):
    paris = timezone(timedelta(hours=1))
    async with sessionmaker() as db_session, db_session.begin():
        db_session.add(
            Hub(
                id="h1",
                name="H",
                region="R",
                contact_email="h@example.org",
                created_at=datetime(2027, 3, 4, 17, 0, tzinfo=paris),
                updated_at=datetime(2027, 3, 4, 17, 0, tzinfo=paris),
            )
        )
    async with sessionmaker() as db_session:
        hub = await db_session.scalar(select(Hub))
    assert hub.created_at == datetime(2027, 3, 4, 16, 0, tzinfo=UTC)
    assert hub.created_at.utcoffset() == timedelta(0)


async def test_naive_datetimes_are_never_stored(sessionmaker):
    with pytest.raises(StatementError, match="naive"):
        async with sessionmaker() as db_session, db_session.begin():
            db_session.add(
                Hub(
                    name="H",
                    region="R",
                    contact_email="h@example.org",
                    created_at=datetime(2027, 3, 4),  # noqa: DTZ001 - the point of the test
                    updated_at=datetime(2027, 3, 4),  # noqa: DTZ001 - the point of the test
                )
            )


async def test_check_constraints_live_in_the_database(sessionmaker, clock):
    now = clock.now()
    async with sessionmaker() as db_session, db_session.begin():
        db_session.add(
            Hub(
                id="h1",
                name="H",
                region="R",
                contact_email="h@example.org",
                created_at=now,
                updated_at=now,
            )
        )
    await assert_refused(sessionmaker, venue(now, capacity=0))
    # A trainer must belong to a hub.
    await assert_refused(
        sessionmaker, User(email="t@example.org", role="trainer", created_at=now, updated_at=now)
    )
    await assert_refused(sessionmaker, venue(now, hub_id="missing"))


def venue(now, **overrides):
    values = {
        "hub_id": "h1",
        "name": "V",
        "address": "A",
        "postcode": "M1 1AE",
        "capacity": 3,
        "timezone": "Europe/London",
        "accessibility": [],
        "created_at": now,
        "updated_at": now,
    }
    return Venue(**(values | overrides))


async def assert_refused(sessionmaker, row):
    with pytest.raises(IntegrityError):
        async with sessionmaker() as db_session, db_session.begin():
            db_session.add(row)


async def race_increments(engine, sessionmaker, writing=unit_of_work) -> int:
    """Five read-then-write transactions at once on one counter; returns the final count."""
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS counter_probe (n INTEGER)"))
        await conn.execute(text("DELETE FROM counter_probe"))
        await conn.execute(text("INSERT INTO counter_probe VALUES (0)"))

    async def increment():
        async with sessionmaker() as db_session, writing(db_session):
            n = await db_session.scalar(text("SELECT n FROM counter_probe"))
            await asyncio.sleep(0.05)
            await db_session.execute(text("UPDATE counter_probe SET n = :n"), {"n": n + 1})

    try:
        await asyncio.gather(*(increment() for _ in range(5)), return_exceptions=True)
        async with engine.connect() as conn:
            return int(await conn.scalar(text("SELECT n FROM counter_probe")))
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DROP TABLE counter_probe"))


def plain_transaction(db_session):
    return db_session.begin()


async def test_sqlite_a_reader_does_not_wait_for_a_writer(engine, sessionmaker, is_postgres):
    """Only writers take the write lock: a read transaction opened while a writer holds it
    reads its snapshot at once instead of queueing behind it."""
    if is_postgres:
        pytest.skip("SQLite's locking recipe")
    async with sessionmaker() as writer, unit_of_work(writer):
        await writer.execute(text("CREATE TABLE IF NOT EXISTS reader_probe (n INTEGER)"))
        async with sessionmaker() as reader, reader.begin():
            async with asyncio.timeout(1):  # the busy timeout is 15 s: a wait would show
                assert await reader.scalar(text("SELECT count(*) FROM user_account")) == 0
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE reader_probe"))


async def test_sqlite_write_transactions_do_not_interleave(engine, sessionmaker, is_postgres):
    """A writer (unit_of_work) begins IMMEDIATE, so the second read-then-write waits for the
    first: nothing is lost."""
    if is_postgres:
        pytest.skip("SQLite's locking recipe; PostgreSQL uses row locks (booking engine tests)")
    assert await race_increments(engine, sessionmaker) == 5


async def test_control_without_the_recipe_sqlite_loses_updates(engine, database_url, is_postgres):
    """The same race on a plainly configured engine loses increments: the test above can fail."""
    if is_postgres:
        pytest.skip("SQLite's locking recipe; PostgreSQL uses row locks (booking engine tests)")
    plain = create_async_engine(database_url, connect_args={"timeout": 15})
    try:
        assert await race_increments(plain, async_sessionmaker(plain), plain_transaction) < 5
    finally:
        await plain.dispose()


@pytest.mark.sqlite
async def test_a_new_sqlite_database_and_its_directory_are_private(tmp_path):
    """Readable by the service's user only: it holds names, addresses and timetables."""
    path = tmp_path / "new" / "booking.db"
    engine = create_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{path}"))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
    finally:
        await engine.dispose()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert files["booking.db"] == 0o600
    assert files["booking.db-wal"] == 0o600  # SQLite gives its side files the database's mode


async def _terminate_other_backends(engine) -> int:
    """Every other connection to this database is closed by the server (as a restart or an
    idle timeout would); returns how many."""
    async with engine.connect() as conn:
        ended = await conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        await conn.rollback()
    return int(ended or 0)


async def _pooled_connections_closed_by_the_server(database_url: str, *, ping: bool) -> None:
    """Fill a pool of three, have the server close those connections, then use the pool."""
    engine = create_engine(DatabaseSettings(url=database_url, pool_size=3))
    if not ping:
        event.remove(engine.sync_engine, "checkout", database_module._ping)
    outsider = create_async_engine(database_url, poolclass=NullPool)
    try:
        conns = [await engine.connect() for _ in range(3)]
        for conn in conns:
            await conn.close()  # back to the pool, open
        assert await _terminate_other_backends(outsider) >= 3
        for _ in range(3):
            async with engine.connect() as conn:
                assert await conn.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
        await outsider.dispose()


@pytest.mark.postgres
async def test_a_connection_the_server_closed_is_replaced_before_anyone_uses_it(database_url):
    await _pooled_connections_closed_by_the_server(database_url, ping=True)


@pytest.mark.postgres
async def test_control_without_the_checkout_ping_a_closed_connection_fails_its_request(
    database_url,
):
    with pytest.raises(DBAPIError):
        await _pooled_connections_closed_by_the_server(database_url, ping=False)
