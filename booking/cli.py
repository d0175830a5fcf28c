"""`booking serve | worker | db upgrade | create-admin | schools import` (docs/operations.md)."""

from __future__ import annotations

import argparse
import asyncio
import copy
import csv
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import uvicorn.config
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.clock import SystemClock
from booking.database import create_engine, create_sessionmaker
from booking.migrate import current_revision, head_revision, upgrade
from booking.preflight import check_database_path, check_serving
from booking.schemas.common import Email, SingleLine
from booking.services.gias import GiasFile, MissingColumnsError, read_gias
from booking.services.schools import ImportCounts, SchoolService
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
    serve.add_argument(
        "--workers", type=int, default=1, help="HTTP processes on the port (default 1)"
    )

    commands.add_parser(
        "worker",
        help="migrate, then run the outbox, mail and timers without HTTP (beside `serve` with"
        " BOOKING_RUN_WORKER=false)",
    )

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply migrations up to head")

    admin = commands.add_parser(
        "create-admin", help="create an admin (or refresh one) and print a token"
    )
    admin.add_argument("email")
    admin.add_argument("--name", default=None)

    schools = commands.add_parser("schools", help="the school directory")
    school_commands = schools.add_subparsers(dest="schools_command", required=True)
    school_import = school_commands.add_parser(
        "import",
        help="load the DfE's Get Information about Schools establishment CSV (upsert by URN)",
    )
    school_import.add_argument("file")
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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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


async def _require_migrated(engine: AsyncEngine, then: str = "create-admin") -> None:
    """create-admin and schools import leave the schema alone (`booking db upgrade` or
    `booking serve` migrate)."""
    try:
        revision = await current_revision(engine)
    except (SQLAlchemyError, OSError) as exc:
        raise CommandError(f"cannot read the database: {_first_line(exc)}") from None
    head = head_revision()
    if revision == head:
        return
    state = "has no tables yet" if revision is None else f"is at migration {revision}, not {head}"
    raise CommandError(f"the database {state}; run `booking db upgrade` first, then {then} again")


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


def read_school_file(path: str) -> GiasFile:
    """The rows of a GIAS CSV, or one line naming what is wrong (a missing column is exit 2,
    like any other bad input to a command)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or _first_line(exc)}", 2) from None
    try:
        return read_gias(data)
    except MissingColumnsError as exc:
        raise CommandError(f"{path}: {exc}", status=2) from None
    except csv.Error as exc:
        raise CommandError(f"{path} is not a CSV file: {_first_line(exc)}", status=2) from None


async def import_schools(settings: Settings, gias: GiasFile) -> ImportCounts:
    """`booking schools import FILE`: upsert by URN, closed establishments skipped."""
    engine = create_engine(settings.database)
    try:
        await _require_migrated(engine, "booking schools import")
        async with create_sessionmaker(engine)() as db_session:
            return await SchoolService(SystemClock()).import_file(db_session, gias)
    finally:
        await engine.dispose()


async def seed_demo(settings: Settings) -> None:
    from booking.demo import seed  # noqa: PLC0415 - demo data is only loaded when asked for

    engine = create_engine(settings.database)
    try:
        async with create_sessionmaker(engine)() as db_session:
            for line in await seed(db_session, SystemClock(), settings):
                print(line)  # noqa: T201 - CLI output
    finally:
        await engine.dispose()


def run_migrations(settings: Settings) -> None:
    """Migrate to head, or one line naming the setting when the database cannot be reached."""
    try:
        asyncio.run(migrate(settings))
    except (SQLAlchemyError, OSError) as exc:
        raise CommandError(
            f"cannot migrate the database (BOOKING_DATABASE_URL): {_first_line(exc)}"
        ) from None


def serve(settings: Settings, args: argparse.Namespace) -> None:
    # The app is imported by the commands that run it: `db upgrade`, `create-admin` and
    # `schools import` start in half the time without it (about 1 s of CPU less each).
    from booking import serving  # noqa: PLC0415
    from booking.app import check_mail_settings  # noqa: PLC0415

    # Everything the running app would trip over is found first: "Serving on" means serving.
    check_serving(settings)
    check_mail_settings(settings)
    run_migrations(settings)
    if args.demo:
        asyncio.run(seed_demo(settings))
    port = settings.server.port if args.port is None else args.port
    print(f"Serving on http://{args.host}:{port}  (API docs at /schema)", flush=True)  # noqa: T201
    serving.serve(
        settings, host=args.host, port=port, processes=args.workers, log_config=log_config()
    )


async def run_worker(settings: Settings) -> None:
    """The background alone until SIGTERM or SIGINT; what is running then finishes first."""
    from booking.app import Wiring, running  # noqa: PLC0415 - see serve

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with running(Wiring(settings, background=True)):
        print("Worker running: outbox, mail, reminders and timers", flush=True)  # noqa: T201
        await stop.wait()
    print("Worker stopped", flush=True)  # noqa: T201


def work(settings: Settings) -> None:
    """`booking worker`: the same checks as serve, then the background until stopped."""
    from booking.app import check_mail_settings  # noqa: PLC0415 - see serve

    check_serving(settings)
    check_mail_settings(settings)
    run_migrations(settings)
    asyncio.run(run_worker(settings))


def main(argv: Sequence[str] | None = None) -> int:
    """Every way a command can fail on its input or settings is one line on stderr and a
    non-zero status (2 for a setting), never a traceback."""
    args = _parser().parse_args(argv)
    # create-admin's stderr is for the operator: its note, or one line saying what went wrong.
    level = logging.WARNING if args.command in {"create-admin", "schools"} else logging.INFO
    logging.basicConfig(level=level, format=LOG_FORMAT)
    quiet_scheduler()
    command = {"create-admin": "booking create-admin", "schools": "booking schools"}.get(
        args.command, "booking"
    )
    try:
        settings = load_settings(os.environ)
        _run(args, settings)
    except SettingsError as exc:
        print(f"booking: {exc}", file=sys.stderr)  # noqa: T201 - CLI output
        return 2
    except CommandError as exc:
        print(f"{command}: {exc}", file=sys.stderr)  # noqa: T201 - CLI output
        return exc.status
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> None:
    if args.command == "serve":
        serve(settings, args)
    elif args.command == "worker":
        work(settings)
    elif args.command == "db":
        check_database_path(settings)
        run_migrations(settings)
        print("database is at head")  # noqa: T201 - CLI output
    elif args.command == "create-admin":
        check_database_path(settings)
        print(asyncio.run(create_admin(settings, args.email, args.name)))  # noqa: T201 - CLI output
    elif args.command == "schools":
        check_database_path(settings)
        counts = asyncio.run(import_schools(settings, read_school_file(args.file)))
        print(  # noqa: T201 - CLI output
            f"imported {counts.imported}, updated {counts.updated}, skipped {counts.skipped}"
        )


LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


class RoutineSchedulerLines(logging.Filter):
    """APScheduler warns when a tick finds the last run still going; notifications.scheduler
    skips such a tick on purpose (a run never stacks), so on a busy machine that "warning"
    would come every 2 seconds. Its other warnings and errors still show."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in str(record.msg)


def quiet_scheduler() -> None:
    """For commands that configure logging themselves (everything but the served app)."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, RoutineSchedulerLines) for f in scheduler.filters):
        scheduler.addFilter(RoutineSchedulerLines())


def log_config() -> dict[str, Any]:
    """uvicorn's logging with ours, which uvicorn applies in every worker process: one format,
    and APScheduler's routine INFO lines ("Running job", "executed successfully", two every
    2 seconds) left out, so real events and the demo's tokens are not buried. Its warnings and
    errors still show, and our own job failures are logged by notifications.scheduler."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["formatters"]["booking"] = {"format": LOG_FORMAT}
    config["handlers"]["booking"] = {
        "class": "logging.StreamHandler",
        "formatter": "booking",
        "stream": "ext://sys.stderr",
    }
    config["root"] = {"handlers": ["booking"], "level": "INFO"}
    config["filters"] = {"routine": {"()": RoutineSchedulerLines}}
    config["loggers"]["apscheduler"] = {"level": "WARNING"}
    config["loggers"]["apscheduler.scheduler"] = {"filters": ["routine"]}
    return config


if __name__ == "__main__":
    raise SystemExit(main())
