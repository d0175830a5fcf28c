"""The run every benchmark script shares, written once.

A script describes itself as a `Benchmark` (its name, its own options, what it seeds, what it
measures and checks, its summary line) and ends with `run(BENCHMARK)`. `run` does the rest, in
this order: the common options, a fresh database (SQLite in a temporary directory, or the
PostgreSQL database named by --database-url dropped and recreated), the migrations, the seed in
one transaction, the measurement (which may serve `booking serve` through `Run.serve`), the
machine and version stamps, the JSON result and the one summary line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from bench_common import (
    RESULTS,
    database_name,
    machine,
    postgres_version,
    py_spy,
    recreate_postgres,
    sqlite_url,
    start_server,
    start_worker,
    stop_server,
)
from sqlalchemy.ext.asyncio import AsyncSession

from booking.database import create_engine, create_sessionmaker
from booking.migrate import upgrade
from booking.settings import DatabaseSettings

Result = dict[str, Any]


def _no_arguments(_parser: argparse.ArgumentParser) -> None:
    return None


def _no_parameters(_args: argparse.Namespace) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Benchmark:
    """What one script owns; everything else is `run`'s."""

    name: str  # the script's file name without .py; results are named after it
    doc: str  # the script's docstring, shown by --help
    # The seed, in one transaction on a migrated database; what it returns is `Run.world`.
    seed: Callable[[AsyncSession, argparse.Namespace], Awaitable[Any]]
    measure: Callable[[Run], Result]
    summary_line: Callable[[Result, argparse.Namespace], str]
    add_arguments: Callable[[argparse.ArgumentParser], None] = _no_arguments
    # The options worth keeping beside the figures in the JSON (sizes, concurrency).
    parameters: Callable[[argparse.Namespace], dict[str, Any]] = _no_parameters
    # Defaults to <name>-<database>; a script whose options change the figures says more.
    result_stem: Callable[[argparse.Namespace, str], str] | None = None
    # Hidden first arguments that turn the script into one of its own helper processes (a load
    # generator, an SMTP sink): flag -> main taking the remaining arguments.
    helpers: Mapping[str, Callable[[list[str]], None]] = field(default_factory=dict)


class Served(NamedTuple):
    pid: int
    base: str  # http://127.0.0.1:<port>
    worker_pid: int | None = None  # the separate `booking worker`, when there is one


@dataclass(frozen=True)
class Run:
    """One run's context, handed to `Benchmark.measure`."""

    args: argparse.Namespace
    url: str
    workdir: Path
    world: Any

    @property
    def database(self) -> str:
        return database_name(self.url)

    @property
    def postgres(self) -> bool:
        return self.database == "postgresql"

    @contextmanager
    def serve(
        self,
        workers: int = 1,
        env: Mapping[str, str] | None = None,
        *,
        separate_worker: bool = False,
    ) -> Iterator[Served]:
        """`booking serve` while the block runs, sampled by py-spy when --py-spy asks; with
        `separate_worker`, the server runs HTTP only and a `booking worker` does the rest."""
        env = {**(env or {}), **({"BOOKING_RUN_WORKER": "false"} if separate_worker else {})}
        server, base = start_server(self.url, self.workdir, workers, env)
        worker = start_worker(self.url, self.workdir, env) if separate_worker else None
        try:
            with py_spy(server.pid, self.args.py_spy):
                yield Served(server.pid, base, worker.pid if worker else None)
        finally:
            stop_server(server)
            if worker is not None:
                stop_server(worker)


def parse_args(benchmark: Benchmark, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=f"{benchmark.name}.py",
        description=benchmark.doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = parser.add_argument_group("options every benchmark takes")
    common.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL URL: that database is DROPPED and recreated (default: SQLite in a "
        "temporary directory)",
    )
    common.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        default=None,
        help="write the JSON result here (default: benchmarks/results/, named after the "
        "benchmark and the database)",
    )
    common.add_argument(
        "--py-spy",
        type=Path,
        default=None,
        metavar="FILE",
        help="sample the server with py-spy into this speedscope file",
    )
    common.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary directory (SQLite database, serve.log) and print where it is",
    )
    benchmark.add_arguments(parser)
    return parser.parse_args(argv)


async def fresh_database(url: str, benchmark: Benchmark, args: argparse.Namespace) -> Any:  # noqa: ANN401 - the script's own world
    """Recreated (PostgreSQL), migrated and seeded; the seed's return value."""
    if database_name(url) == "postgresql":
        await recreate_postgres(url)
    # Seeds insert rows in bulk, parents and children in whatever order reads best.
    engine = create_engine(DatabaseSettings(url=url), enforce_foreign_keys=False)
    try:
        await upgrade(engine)
        async with create_sessionmaker(engine)() as db, db.begin():
            return await benchmark.seed(db, args)
    finally:
        await engine.dispose()


def stamps(url: str, seed_s: float) -> dict[str, Any]:
    """Where and when: results from a shared machine only compare with their circumstances."""
    return {
        "seed_s": seed_s,
        "postgres_version": asyncio.run(postgres_version(url)),
        "machine": machine(),
        "load": os.getloadavg(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def measured(benchmark: Benchmark, args: argparse.Namespace, workdir: Path) -> Result:
    url = args.database_url or sqlite_url(workdir)
    started = time.perf_counter()
    world = asyncio.run(fresh_database(url, benchmark, args))
    seed_s = time.perf_counter() - started
    run = Run(args, url, workdir, world)
    figures = benchmark.measure(run)
    return {
        "database": run.database,
        **figures,
        **benchmark.parameters(args),
        **stamps(url, seed_s),
    }


def output_path(benchmark: Benchmark, args: argparse.Namespace, database: str) -> Path:
    if args.output is not None:
        return Path(args.output)
    stem = f"{benchmark.name}-{database}"
    if benchmark.result_stem is not None:
        stem = benchmark.result_stem(args, database)
    return RESULTS / f"{stem}.json"


def run(benchmark: Benchmark, argv: list[str] | None = None) -> None:
    """The script's main: measure, write the JSON, print the summary line."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in benchmark.helpers:
        benchmark.helpers[argv[0]](argv[1:])
        return
    args = parse_args(benchmark, argv)
    workdir = Path(tempfile.mkdtemp(prefix=f"{benchmark.name}-"))
    try:
        result = measured(benchmark, args, workdir)
    except BaseException:
        # serve.log explains most failures: never delete it with them.
        print(f"{benchmark.name} failed; its files are in {workdir}", file=sys.stderr)
        raise
    out = output_path(benchmark, args, result["database"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(benchmark.summary_line(result, args), flush=True)
    if args.keep:
        print(f"kept {workdir}", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
