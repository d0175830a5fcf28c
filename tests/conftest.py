"""Fixtures on real databases.

The database under test comes from BOOKING_TEST_DATABASE_URL (default: a SQLite file in a temp
directory). A PostgreSQL URL names a database this run drops and recreates. The schema is built
once per run by `alembic upgrade head`; every test starts from empty tables.

A run is a pass over one database. Tests pinned to an engine (marked `postgres` or `sqlite`:
they make databases of their own) run in the pass of that engine, and the browser journeys in
the SQLite pass, so CI's two passes run each of them once; pytest reports them as deselected
in the other pass.

The app under test is built once per run (building one costs ~0.4 s) and started afresh for
every test with that test's settings and clock, without the background timer: a test settles
the background itself (tests.support.dispatch.settle), or asks for the live timer with the
`timer` marker.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest
from hypothesis import settings as hypothesis_settings
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from booking.app import Wiring, create_app
from booking.clock import FrozenClock
from booking.database import create_engine, create_sessionmaker
from booking.migrate import upgrade
from booking.models import Base
from booking.settings import (
    DatabaseSettings,
    LimitSettings,
    MailSettings,
    ServerSettings,
    Settings,
    TimetableSettings,
)
from tests.support.app_pool import lent_app
from tests.support.postgres import recreate_database
from tests.support.xdist_groups import GroupCheck, PathGroups

# CI explores the same examples every run (a failure there is reproducible, not luck);
# local runs keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    hypothesis_settings.load_profile("ci")

TEST_LIMITS = LimitSettings(sign_in_per_address_per_hour=100_000, requests_per_minute=1_000_000)

# A Monday in term time, well away from DST changes; tests move the clock as they need.
START = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("BOOKING_TEST_DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    if make_url(url).get_backend_name() == "postgresql":
        url = per_worker(url)
        asyncio.run(recreate_database(url))
    engine = create_engine(DatabaseSettings(url=url), enforce_foreign_keys=False)

    async def migrate() -> None:
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    return url


def per_worker(url: str) -> str:
    """The named PostgreSQL database, or under pytest-xdist one per worker beside it
    (booking_test_gw0, booking_test_gw1, ...): each worker empties its tables between tests."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(DatabaseSettings(url=database_url))
    await _empty_tables(engine)
    yield engine
    await engine.dispose()


async def _empty_tables(engine: AsyncEngine) -> None:
    """Every table emptied, children first, in one transaction sent as one script through the
    driver: TRUNCATE took PostgreSQL about 100 ms of wall time a test (it replaces each table's
    files), and twenty DELETEs sent one by one cost SQLite about 25 ms of CPU; this is 7-10 ms
    and 7 ms."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    deletes = "".join(f"DELETE FROM {table};" for table in tables)  # noqa: S608 - our own tables
    script = f"BEGIN;{deletes}COMMIT;"
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        if engine.dialect.name == "postgresql":
            await driver.execute(script)  # asyncpg: several statements in one simple query
        else:
            await driver.executescript(script)


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    return tmp_path / "mail"


@pytest.fixture
def settings(database_url: str, mail_dir: Path) -> Settings:
    return Settings(
        database=DatabaseSettings(url=database_url),
        mail=MailSettings(
            mail_dir=mail_dir, mail_from="Book SEND training <bookings@booking.test>"
        ),
        server=ServerSettings(secret_key="test-secret-key-" + "x" * 32),
        # Every test client is one address, and a frozen clock never ends a window: tests of
        # the limits (tests/integration/accounts/test_rate_limits.py) set the ones they test.
        limits=TEST_LIMITS,
    )


def run_backend() -> str:
    url = os.environ.get("BOOKING_TEST_DATABASE_URL", "").strip() or "sqlite://"
    return make_url(url).get_backend_name()


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> PathGroups | None:
    """`--dist loadgroup` by the groups of tests.support.xdist_groups."""
    return PathGroups(config, log) if config.getvalue("dist") == "loadgroup" else None


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controlling process (or a run without xdist)
        config.pluginmanager.register(GroupCheck(), "xdist-group-check")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each engine-pinned test in its own engine's pass; browser journeys in the SQLite pass."""
    backend = run_backend()
    other = {"postgresql": ("sqlite", "browser"), "sqlite": ("postgres",)}[backend]
    keep, drop = [], []
    for item in items:
        (drop if any(item.get_closest_marker(m) for m in other) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def shared_app() -> Litestar:
    """One app for the run; `app` gives it each test's wiring before it starts."""
    return create_app(Settings(), background=False)


@pytest.fixture
def app(
    shared_app: Litestar,
    settings: Settings,
    clock: FrozenClock,
    engine: AsyncEngine,
    request: pytest.FixtureRequest,
) -> Litestar:
    # `engine` is requested so the tables are emptied before the app starts.
    timer = request.node.get_closest_marker("timer") is not None
    shared_app.state.wiring = Wiring(settings, clock, background=timer)
    return shared_app


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        yield client


@pytest.fixture
async def permissive(
    settings: Settings, clock: FrozenClock, engine: AsyncEngine
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A client of an app with BOOKING_TIMETABLE_ALLOW_PRIVATE_URLS on, so that a calendar on a
    local test server can be linked (`engine`: the tables emptied first)."""
    allowed = msgspec.structs.replace(
        settings, timetable=TimetableSettings(allow_private_urls=True)
    )
    with lent_app(allowed, clock) as app:
        async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
            yield client
