from __future__ import annotations

from litestar.testing import AsyncTestClient
from sqlalchemy import text

from booking.app import create_app
from booking.settings import DatabaseSettings, Settings


async def test_health_answers_ok(client):
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_database_is_at_head(client):
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["database"] == "at head"


async def test_not_ready_on_an_unmigrated_database(tmp_path, clock):
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    )
    async with AsyncTestClient(app=create_app(settings, clock=clock)) as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    assert response.json()["database"] == "not migrated"


async def test_not_ready_when_migrations_lag_behind(client, app, engine):
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        response = await client.get("/ready")
        assert response.status_code == 503
    finally:
        head = app.state.runtime.head_revision
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})


async def test_not_ready_when_database_is_unreachable(clock):
    # Nothing listens on port 1: the connection is refused at once.
    settings = Settings(
        database=DatabaseSettings(url="postgresql+asyncpg://postgres@127.0.0.1:1/x")
    )
    async with AsyncTestClient(app=create_app(settings, clock=clock)) as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
