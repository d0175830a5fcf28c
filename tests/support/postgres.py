"""PostgreSQL helpers for tests: which server to use, and fresh databases on it."""

from __future__ import annotations

import os

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

DEFAULT_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def _dsn(url: URL, database: str) -> str:
    return url.set(drivername="postgresql", database=database).render_as_string(hide_password=False)


async def recreate_database(url_text: str) -> None:
    """Drop and create the database named in `url_text` (connecting to the server's `postgres`)."""
    url = make_url(url_text)
    name = url.database
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"refusing to recreate database {name!r}")
    conn = await asyncpg.connect(_dsn(url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(url_text: str) -> None:
    url = make_url(url_text)
    conn = await asyncpg.connect(_dsn(url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    finally:
        await conn.close()


async def server_answers(url_text: str) -> bool:
    try:
        conn = await asyncpg.connect(_dsn(make_url(url_text), "postgres"), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


def postgres_server_url() -> str:
    return os.environ.get("BOOKING_TEST_POSTGRES_URL", "").strip() or DEFAULT_SERVER


async def require_postgres() -> str:
    """The server URL, or skip — except under CI=true, where a missing server fails the test."""
    url = postgres_server_url()
    if await server_answers(url):
        return url
    message = f"PostgreSQL does not answer at {make_url(url).render_as_string()}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: PostgreSQL tests may not be skipped)")
    pytest.skip(message)
    raise AssertionError  # unreachable; pytest.skip raises
