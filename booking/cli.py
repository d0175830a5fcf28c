"""`booking serve | db upgrade | create-admin` (API.md, Running it)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

import msgspec
import uvicorn
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.app import create_app
from booking.clock import SystemClock
from booking.database import create_engine, create_sessionmaker
from booking.migrate import current_revision, head_revision, upgrade
from booking.schemas.common import Email, SingleLine
from booking.services.users import UserService
from booking.settings import Settings, SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="booking", description="Book SEND training service")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve", help="migrate, then run the API (and, with --demo, seed demo data)"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: BOOKING_PORT, else 8000")
    serve.add_argument("--demo", action="store_true", help="seed demo data into an empty database")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply migrations up to head")

    admin = commands.add_parser(
        "create-admin", help="create an admin (or refresh one) and print a token"
    )
    admin.add_argument("email")
    admin.add_argument("--name", default=None)
    return parser


async def migrate(settings: Settings) -> None:
    engine = create_engine(settings.database, enforce_foreign_keys=False)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


class CommandError(Exception):
    """Ends a command with one line on stderr and a non-zero exit status, not a traceback."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def check_admin_arguments(email: str, name: str | None) -> None:
    """The API's own rules (booking.schemas.common), so the CLI cannot make what the API refuses."""
    try:
        msgspec.convert(email, Email)
    except msgspec.ValidationError:
        raise CommandError(f"not a valid email address: {email!r}", status=2) from None
    if name is not None:
        try:
            msgspec.convert(name, SingleLine)
        except msgspec.ValidationError:
            raise CommandError(
                f"--name must be one line of 1-200 characters, not blank and without control"
                f" characters: {name!r}",
                status=2,
            ) from None


async def _require_migrated(engine: AsyncEngine) -> None:
    """create-admin leaves the schema alone (`booking db upgrade` or `booking serve` migrate)."""
    try:
        revision = await current_revision(engine)
    except (SQLAlchemyError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(f"cannot read the database: {reason}") from None
    head = head_revision()
    if revision == head:
        return
    state = "has no tables yet" if revision is None else f"is at migration {revision}, not {head}"
    raise CommandError(
        f"the database {state}; run `booking db upgrade` first, then create-admin again"
    )


async def create_admin(settings: Settings, email: str, name: str | None) -> str:
    check_admin_arguments(email, name)
    engine = create_engine(settings.database)
    try:
        await _require_migrated(engine)
        async with create_sessionmaker(engine)() as db_session:
            users = UserService(SystemClock(), settings.accounts)
            user, token = await users.ensure_admin(db_session, email, name)
    finally:
        await engine.dispose()
    print(f"admin {user.email} ({user.id})", file=sys.stderr)  # noqa: T201 - CLI output
    return token


async def seed_demo(settings: Settings) -> None:
    from booking.demo import seed  # noqa: PLC0415 - demo data is only loaded when asked for

    engine = create_engine(settings.database)
    try:
        async with create_sessionmaker(engine)() as db_session:
            for line in await seed(db_session, SystemClock(), settings):
                print(line)  # noqa: T201 - CLI output
    finally:
        await engine.dispose()


def serve(settings: Settings, args: argparse.Namespace) -> None:
    port = settings.server.port if args.port is None else args.port
    asyncio.run(migrate(settings))
    if args.demo:
        asyncio.run(seed_demo(settings))
    print(f"Serving on http://{args.host}:{port}  (API docs at /schema)", flush=True)  # noqa: T201
    # proxy_headers=False: uvicorn would trust X-Forwarded-For from 127.0.0.1 (or
    # FORWARDED_ALLOW_IPS); the service reads it itself, only from BOOKING_TRUSTED_PROXIES, so
    # the rate limits count the address the contract names (booking.limiter.client_address).
    if args.workers > 1:
        # Each worker process builds its own app from the same environment.
        uvicorn.run(
            "booking.app:create_app_from_environment",
            factory=True,
            host=args.host,
            port=port,
            workers=args.workers,
            log_level="info",
            proxy_headers=False,
        )
    else:
        uvicorn.run(
            create_app(settings),
            host=args.host,
            port=port,
            log_level="info",
            proxy_headers=False,
        )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # create-admin's stderr is for the operator: its note, or one line saying what went wrong.
    level = logging.WARNING if args.command == "create-admin" else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings(os.environ)
    except SettingsError as exc:
        print(f"booking: {exc}", file=sys.stderr)  # noqa: T201 - CLI output
        return 2
    if args.command == "serve":
        serve(settings, args)
    elif args.command == "db":
        asyncio.run(migrate(settings))
        print("database is at head")  # noqa: T201 - CLI output
    elif args.command == "create-admin":
        try:
            token = asyncio.run(create_admin(settings, args.email, args.name))
        except CommandError as exc:
            print(f"booking create-admin: {exc}", file=sys.stderr)  # noqa: T201 - CLI output
            return exc.status
        print(token)  # noqa: T201 - CLI output
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
