"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production).

SQLite needs care to be a correct multi-writer database (docs/architecture.md, Locks): the
sqlite3 driver's own transaction handling lets reads run before the write lock is taken, so we
switch it off (`isolation_level=None`) and begin every writing transaction (unit_of_work,
migrations) with `BEGIN IMMEDIATE`, and every other one with a plain, deferred `BEGIN`;
WAL lets readers in other processes carry on, and the busy timeout makes writers queue instead
of failing with "database is locked".
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util import await_

from booking.settings import DatabaseSettings

SQLITE_BUSY_TIMEOUT_MS = 15_000
# Execution option of a transaction that will write: on SQLite it begins IMMEDIATE (the write
# lock first); every other transaction is a deferred reader.
WRITES = "booking_writes"


def create_engine(settings: DatabaseSettings, *, enforce_foreign_keys: bool = True) -> AsyncEngine:
    """An engine for the configured database.

    enforce_foreign_keys=False is for migrations on SQLite only: batch mode rebuilds a table by
    dropping it, and with enforcement on that drop would cascade into the rows that refer to it.
    """
    url = make_url(settings.url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(settings, enforce_foreign_keys=enforce_foreign_keys)
    engine = create_async_engine(
        url, echo=settings.echo, pool_size=settings.pool_size, max_overflow=settings.pool_size
    )
    event.listen(engine.sync_engine, "checkout", _ping)
    return engine


def _ping(dbapi_connection: Any, _record: ConnectionPoolEntry, _proxy: Any) -> None:  # noqa: ANN401 - the DB-API connection is untyped
    """A pooled connection answers before it is handed out; a dead one (the server restarted,
    or closed it) is replaced, and the request never sees it (SQLAlchemy's documented
    checkout-event recipe: the pool retries with a fresh connection).

    This is pool_pre_ping with one round trip instead of three: asyncpg's own ping wraps its
    empty statement in BEGIN and ROLLBACK (for pgbouncer's transaction mode, which we do not
    use), and at two checkouts a request those two extra round trips were a tenth of a
    booking's cost (benchmarks/README.md, Issue 13)."""
    try:
        await_(dbapi_connection.driver_connection.fetchrow(";"))
    except Exception as error:
        raise DisconnectionError(f"a pooled connection did not answer: {error!r}") from error


def _sqlite_engine(settings: DatabaseSettings, *, enforce_foreign_keys: bool) -> AsyncEngine:
    url = make_url(settings.url)
    if url.database and url.database != ":memory:":
        create_private_file(Path(url.database))
    engine = create_async_engine(
        url,
        echo=settings.echo,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:  # noqa: ANN401 - the DB-API connection is untyped
        # Take transaction control away from the driver (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute(f"PRAGMA foreign_keys={'ON' if enforce_foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the write lock before it reads anything it will decide on (otherwise
        # two could read the same seats); a reader only needs a snapshot and waits for no one.
        writes = conn.get_execution_options().get(WRITES, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def create_private_file(path: Path) -> None:
    """Make the database file (and its directory, when we make that too) readable by this user
    only, before SQLite opens it: SQLite would create it 0644, and it holds people's names,
    addresses and timetables. SQLite gives its -wal and -shm files the database file's mode.
    An existing file or directory keeps the mode its operator chose."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _switch_to_wal(cursor: Any) -> None:  # noqa: ANN401 - the DB-API cursor is untyped
    """Put the database file in WAL mode (it stays so; later connections only check).

    Switching needs an exclusive lock, and SQLite answers "database is locked" at once, without
    the busy handler, when several connections to a fresh file try it together (processes
    starting side by side). That only happens on a brand-new file, so a short blocking retry
    here is cheaper than making every connection slower.
    """
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
        else:
            return


def create_sessionmaker(
    engine: AsyncEngine,
    *,
    sync_session_class: type[Session] = Session,
    info: dict[str, object] | None = None,
) -> async_sessionmaker[AsyncSession]:
    """sync_session_class lets the composition root attach session events (the outbox wake-up);
    `info` is copied into every session's db_session.info."""
    # expire_on_commit=False: services return what they wrote after the commit without reloading.
    return async_sessionmaker(
        engine,
        expire_on_commit=False,
        autoflush=False,
        sync_session_class=sync_session_class,
        info=info,
    )


_IN_UNIT_OF_WORK = "in_unit_of_work"


@asynccontextmanager
async def unit_of_work(db_session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """The one place a command commits: on leaving the block, or rolls back on any error.

    The commit happens before the handler returns, so a failed commit propagates as an error
    response and never hides behind a 2xx (docs/architecture.md, Transactions).
    """
    if db_session.info.get(_IN_UNIT_OF_WORK):
        # Rolling back here would silently undo the outer unit's writes.
        raise RuntimeError("unit_of_work does not nest: the caller is already inside one")
    if db_session.in_transaction():
        # A read earlier in the request opened a transaction; end it so the write lock and the
        # rule checks happen inside one fresh transaction.
        await db_session.rollback()
    db_session.info[_IN_UNIT_OF_WORK] = True
    try:
        async with db_session.begin():
            await db_session.connection(execution_options={WRITES: True})
            yield db_session
    finally:
        db_session.info.pop(_IN_UNIT_OF_WORK, None)


@asynccontextmanager
async def writing(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction that writes, outside any session (migrations, counters):
    BEGIN IMMEDIATE on SQLite, as unit_of_work begins."""
    async with engine.connect() as conn:
        await conn.execution_options(**{WRITES: True})
        async with conn.begin():
            yield conn


def is_postgres(db_session: AsyncSession) -> bool:
    return db_session.get_bind().dialect.name == "postgresql"
