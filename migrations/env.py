"""Alembic environment for both engines.

The service passes an open connection in `config.attributes["connection"]` (async engines run
Alembic through `run_sync`). The alembic command line has none, so we open our own engine from
BOOKING_DATABASE_URL, read when the command runs, never at import.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

# Notifications owns its tables; importing them puts them in the one schema.
import notifications.models  # noqa: F401
from booking.database import create_engine
from booking.models import Base
from booking.models.base import UTCDateTime
from booking.settings import load_settings

target_metadata = Base.metadata


def render_item(type_: str, obj: object, _context: AutogenContext) -> str | bool:
    # Migrations spell the column type the database sees; UTC handling lives in the models.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_with_connection(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine() -> None:
    engine = create_engine(load_settings(os.environ).database, enforce_foreign_keys=False)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_with_connection)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")

given = context.config.attributes.get("connection")
if given is not None:
    run_with_connection(given)
else:
    asyncio.run(run_with_own_engine())
