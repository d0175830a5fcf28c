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


async def test_openapi_documents_every_operation_and_the_503_of_ready(client):
    document = (await client.get("/schema/openapi.json")).json()
    operations = [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "put", "post", "patch", "delete", "head", "options"}
    ]
    assert operations
    missing = [(method, path) for method, path, op in operations if not op.get("operationId")]
    assert missing == []
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids))  # operationIds must be unique (OpenAPI 3.1, 4.8.10.1)
    ready = document["paths"]["/ready"]["get"]["responses"]
    assert set(ready) == {"200", "503"}
    for status in ("200", "503"):
        schema = ready[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Readiness"}
    readiness = document["components"]["schemas"]["Readiness"]
    assert {"status", "database", "revision", "head"} <= set(readiness["properties"])
