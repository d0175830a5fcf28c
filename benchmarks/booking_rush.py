"""Booking rush over real HTTP: N teachers book M cohorts of S seats at once.

    uv run python benchmarks/booking_rush.py [--database-url URL] [--workers 1] [--teachers 2000]
        [--cohorts 40] [--seats 25] [--concurrency 64] [--health-seconds 5] [--py-spy FILE]

Seeds a fresh database (SQLite in a temp dir, or: drops and recreates the PostgreSQL database
named in --database-url), starts `booking serve --workers W`, and sends the bookings from a
separate load process (this script with the hidden --load option). Then checks the invariants in
the database, measures two ceilings (`GET /health` from the same load process, and on PostgreSQL a
raw asyncpg loop doing the booking transaction without HTTP or ORM), prints one summary line and
writes JSON to benchmarks/results/booking_rush-<database>-<W>w.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from bench_common import (
    RESULTS,
    ROOT,
    machine,
    percentile,
    pg_dsn,
    postgres_version,
    py_spy,
    recreate_postgres,
    stamped,
    start_server,
    stop_server,
)
from sqlalchemy import text

from booking.database import create_engine, create_sessionmaker
from booking.ids import new_id
from booking.migrate import upgrade
from booking.models import (
    ApiToken,
    Cohort,
    CohortStatus,
    Course,
    CourseNeedArea,
    Hub,
    NeedArea,
    Role,
    SessionStatus,
    TrainingSession,
    User,
    Venue,
    WaitlistMode,
)
from booking.security import hash_token
from booking.settings import DatabaseSettings

# --- seeding ---------------------------------------------------------------------------------


def venue_and_trainer(hub: Hub, index: int, seats: int, now: datetime) -> tuple[Venue, User]:
    venue = Venue(
        hub_id=hub.id,
        name=f"Room {index}",
        address="1 Street\nTown",
        postcode="M1 1AE",
        capacity=seats + 5,
        timezone="Europe/London",
        accessibility=["lift"],
        **stamped(now),
    )
    trainer = User(
        email=f"trainer{index}@bench.example",
        name=f"Trainer {index}",
        role=Role.TRAINER,
        hub_id=hub.id,
        **stamped(now),
    )
    return venue, trainer


async def seed_cohort(db: Any, hub: Hub, course: Course, index: int, seats: int) -> str:  # noqa: ANN401 - an AsyncSession
    """One venue, one trainer, one published cohort and its one session a week from now."""
    now = datetime.now(UTC).replace(microsecond=0)
    venue, trainer = venue_and_trainer(hub, index, seats, now)
    db.add_all([venue, trainer])
    await db.flush()
    cohort = Cohort(
        hub_id=hub.id,
        course_id=course.id,
        trainer_id=trainer.id,
        venue_id=venue.id,
        status=CohortStatus.PUBLISHED,
        capacity=seats,
        waitlist_mode=WaitlistMode.AUTO,
        offer_ttl="PT48H",
        promotion_cutoff="PT24H",
        reminder_offsets=["P1D"],
        published_at=now,
        **stamped(now),
    )
    db.add(cohort)
    await db.flush()
    start = now + timedelta(days=7)
    db.add(
        TrainingSession(
            cohort_id=cohort.id,
            venue_id=venue.id,
            trainer_id=trainer.id,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            status=SessionStatus.SCHEDULED,
            sequence=0,
            uid=str(uuid.uuid4()),
            **stamped(now),
        )
    )
    return cohort.id


async def seed_teachers(db: Any, count: int) -> list[tuple[str, str]]:  # noqa: ANN401 - an AsyncSession
    """`count` teachers with one API token each: [(user id, token)]."""
    now = datetime.now(UTC).replace(microsecond=0)
    users = [
        User(
            email=f"teacher{i}@bench.example",
            name=f"Teacher {i}",
            role=Role.TEACHER,
            **stamped(now),
        )
        for i in range(count)
    ]
    db.add_all(users)
    await db.flush()
    tokens = [secrets.token_urlsafe(32) for _ in users]
    db.add_all(
        ApiToken(user_id=u.id, token_hash=hash_token(t), created_at=now)
        for u, t in zip(users, tokens, strict=True)
    )
    return [(u.id, t) for u, t in zip(users, tokens, strict=True)]


async def seed(url: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = create_engine(DatabaseSettings(url=url), enforce_foreign_keys=False)
    await upgrade(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    async with create_sessionmaker(engine)() as db, db.begin():
        hub = Hub(
            name="Bench Hub", region="North West", contact_email="hub@bench.example", **stamped(now)
        )
        course = Course(
            title="Bench course",
            summary="s",
            audience=["teacher"],
            need_area_rows=[CourseNeedArea(need_area=NeedArea.SENSORY_AND_PHYSICAL)],
            **stamped(now),
        )
        db.add_all([hub, course])
        await db.flush()
        cohorts = [await seed_cohort(db, hub, course, i, args.seats) for i in range(args.cohorts)]
        teachers = await seed_teachers(db, args.teachers)
    await engine.dispose()
    # Teacher i books cohort i % cohorts.
    return {
        "cohorts": cohorts,
        "bookings": [
            {"teacher_id": tid, "token": token, "cohort_id": cohorts[i % len(cohorts)]}
            for i, (tid, token) in enumerate(teachers)
        ],
    }


# --- the server ------------------------------------------------------------------------------


# --- the load process ------------------------------------------------------------------------


@asynccontextmanager
async def clients(base: str, count: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """`count` clients of one keep-alive connection each, made before the clock starts (each
    builds an SSL context). Not one pool of `count`: a shared httpx pool that large spends its
    time scanning connections (encode/httpx#3215) and would measure the client, not the server."""
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=base, limits=httpx.Limits(max_connections=1), timeout=120
                )
            )
            for _ in range(count)
        ]


async def rush(base: str, bookings: list[dict[str, str]], concurrency: int) -> dict[str, Any]:
    """`concurrency` workers take the bookings in order; each request is timed on its own."""
    pending = iter(bookings)
    latencies: list[float] = []
    outcomes: list[dict[str, Any]] = []

    async def worker(client: httpx.AsyncClient) -> None:
        for booking in pending:
            headers = {"Authorization": f"Bearer {booking['token']}"}
            started = time.perf_counter()
            try:
                response = await client.post(
                    f"/api/v1/cohorts/{booking['cohort_id']}/bookings", json={}, headers=headers
                )
                status, body = response.status_code, response.json()
            except (httpx.HTTPError, ValueError) as exc:
                status, body = 0, {"error": repr(exc)}
            latencies.append((time.perf_counter() - started) * 1000)
            outcomes.append(
                {"teacher_id": booking["teacher_id"], "status_code": status, "body": body}
            )

    async with clients(base, concurrency) as pool:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for client in pool))
        wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "outcomes": outcomes,
    }


async def hammer_health(base: str, seconds: float, concurrency: int) -> dict[str, Any]:
    done = Counter[int]()

    async def worker(client: httpx.AsyncClient, deadline: float) -> None:
        while time.perf_counter() < deadline:
            try:
                done[(await client.get("/health")).status_code] += 1
            except httpx.HTTPError:
                done[0] += 1

    async with clients(base, concurrency) as pool:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client, started + seconds) for client in pool))
        wall = time.perf_counter() - started
    return {"requests_per_s": sum(done.values()) / wall, "errors": sum(done.values()) - done[200]}


async def bare_health(base: str, seconds: float, concurrency: int) -> float:
    """`GET /health` over bare keep-alive sockets: how much of the httpx figure is the client."""
    host, port = base.removeprefix("http://").split(":")
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(host, int(port))
        while time.perf_counter() < deadline:
            writer.write(b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n")
            head = (await reader.readuntil(b"\r\n\r\n")).decode().lower()
            length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
            await reader.readexactly(length)
            done += head.startswith("http/1.1 200")
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


async def load(plan: dict[str, Any]) -> dict[str, Any]:
    """The idle server's /health first (httpx, then bare sockets), then the rush."""
    base, seconds, concurrency = plan["base"], plan["health_seconds"], plan["concurrency"]
    health = await hammer_health(base, seconds, concurrency)
    health["bare_requests_per_s"] = await bare_health(base, seconds, concurrency)
    booked = await rush(base, plan["bookings"], concurrency)
    return {"booking": booked, "health": health}


def run_load_process(plan: dict[str, Any], workdir: Path) -> dict[str, Any]:
    plan_file, result_file = workdir / "plan.json", workdir / "load-result.json"
    plan_file.write_text(json.dumps(plan))
    subprocess.run(
        [sys.executable, __file__, "--load", str(plan_file), str(result_file)], check=True, cwd=ROOT
    )
    return json.loads(result_file.read_text())


# --- the raw asyncpg ceiling -----------------------------------------------------------------

BOOK_RAW = "SELECT capacity, confirmed_count, offered_count, waitlist_seq FROM cohort WHERE id = $1 FOR UPDATE"
INSERT_BOOKING = (
    "INSERT INTO booking (id, cohort_id, teacher_id, status, waitlist_seq, late, confirmed_at,"
    " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, false, $6, $7, $7)"
)
INSERT_EVENT = "INSERT INTO outbox_event (id, kind, payload, created_at) VALUES ($1, $2, $3, $4)"


async def book_raw(conn: asyncpg.Connection, teacher_id: str, cohort_id: str) -> None:
    """The service's transaction without HTTP or ORM: teacher lock, cohort lock, count, insert."""
    now = datetime.now(UTC)
    async with conn.transaction():
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            f"teacher_bookings:{teacher_id}",
        )
        cohort = await conn.fetchrow(BOOK_RAW, cohort_id)
        if cohort["capacity"] - cohort["confirmed_count"] - cohort["offered_count"] > 0:
            status, seq, confirmed_at = "confirmed", None, now
            await conn.execute(
                "UPDATE cohort SET confirmed_count = confirmed_count + 1 WHERE id = $1", cohort_id
            )
        else:
            status, seq, confirmed_at = "waitlisted", cohort["waitlist_seq"] + 1, None
            await conn.execute("UPDATE cohort SET waitlist_seq = $2 WHERE id = $1", cohort_id, seq)
        booking_id = new_id()
        await conn.execute(
            INSERT_BOOKING, booking_id, cohort_id, teacher_id, status, seq, confirmed_at, now
        )
        payload = json.dumps({"booking_id": booking_id, "cohort_id": cohort_id, "status": status})
        await conn.execute(INSERT_EVENT, new_id(), f"Booking{status.title()}", payload, now)


async def raw_ceiling(url: str, bookings: list[dict[str, str]], concurrency: int) -> float:
    """Empties the bookings, then books them all again through asyncpg: bookings per second."""
    dsn = pg_dsn(url)
    async with asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency) as pool:
        await pool.execute("DELETE FROM outbox_event; DELETE FROM booking;")
        await pool.execute(
            "UPDATE cohort SET confirmed_count = 0, offered_count = 0, waitlist_seq = 0"
        )
        pending = iter(bookings)

        async def worker() -> None:
            async with pool.acquire() as conn:
                for booking in pending:
                    await book_raw(conn, booking["teacher_id"], booking["cohort_id"])

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(bookings) / (time.perf_counter() - started)


# --- invariants ------------------------------------------------------------------------------


async def read_state(url: str) -> tuple[list[Any], list[Any]]:
    engine = create_engine(DatabaseSettings(url=url, pool_size=1))
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT cohort_id, teacher_id, status, waitlist_seq FROM booking")
                )
            ).all()
            cohorts = (
                await conn.execute(
                    text("SELECT id, confirmed_count, offered_count, waitlist_seq FROM cohort")
                )
            ).all()
    finally:
        await engine.dispose()
    return rows, cohorts


def cohort_problems(cohort: Any, rows: list[Any], seats: int) -> list[str]:  # noqa: ANN401 - a Row
    statuses = Counter(r.status for r in rows)
    seqs = sorted(r.waitlist_seq for r in rows if r.status == "waitlisted")
    expected = (min(seats, len(rows)), len(rows) - min(seats, len(rows)))
    problems = []
    if (statuses["confirmed"], statuses["waitlisted"]) != expected or len(statuses) > 2:
        problems.append(f"cohort {cohort.id}: {dict(statuses)}, expected {expected}")
    if seqs != list(range(1, len(seqs) + 1)):
        problems.append(f"cohort {cohort.id}: waitlist_seq not 1..{len(seqs)}")
    if (cohort.confirmed_count, cohort.offered_count, cohort.waitlist_seq) != (
        statuses["confirmed"],
        statuses["offered"],
        len(seqs),
    ):
        problems.append(f"cohort {cohort.id}: counters disagree with rows")
    return problems


async def check_invariants(
    url: str, seats: int, expected: int, told: dict[str, int | None] | None
) -> list[str]:
    """Problems found in the rows ([] when all hold); `told` = waitlist positions given over HTTP."""
    rows, cohorts = await read_state(url)
    by_cohort: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_cohort[row.cohort_id].append(row)
    problems = [p for c in cohorts for p in cohort_problems(c, by_cohort[c.id], seats)]
    if len(rows) != expected or len({r.teacher_id for r in rows}) != expected:
        problems.append(f"{len(rows)} bookings for {expected} teachers")
    if told is not None:
        wrong = [r.teacher_id for r in rows if told.get(r.teacher_id) != r.waitlist_seq]
        if wrong:
            problems.append(f"{len(wrong)} teachers were told another waitlist position")
    return problems


# --- the run ---------------------------------------------------------------------------------


def summarise_rush(load_result: dict[str, Any]) -> dict[str, Any]:
    booked = load_result["booking"]
    outcomes = booked["outcomes"]
    codes = Counter(o["status_code"] for o in outcomes)
    return {
        "bookings": len(outcomes),
        "bookings_per_s": len(outcomes) / booked["wall_s"],
        "wall_s": booked["wall_s"],
        "p50_ms": booked["p50_ms"],
        "p99_ms": booked["p99_ms"],
        "status_codes": {str(k): v for k, v in codes.items()},
        "errors": len(outcomes) - codes[201],
        "health_requests_per_s": load_result["health"]["requests_per_s"],
        "health_errors": load_result["health"]["errors"],
        "health_bare_socket_requests_per_s": load_result["health"]["bare_requests_per_s"],
    }


def told_positions(load_result: dict[str, Any]) -> dict[str, int | None]:
    return {
        o["teacher_id"]: o["body"].get("waitlist_position")
        for o in load_result["booking"]["outcomes"]
        if o["status_code"] == 201
    }


def http_phase(
    url: str, workdir: Path, args: argparse.Namespace, world: dict[str, Any]
) -> dict[str, Any]:
    server, base = start_server(url, workdir, args.workers)
    try:
        plan = {
            "base": base,
            "bookings": world["bookings"],
            "concurrency": args.concurrency,
            "health_seconds": args.health_seconds,
        }
        with py_spy(server.pid, args.py_spy):
            return run_load_process(plan, workdir)
    finally:
        stop_server(server)


def measure(url: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    postgres = url.startswith("postgresql")
    if postgres:
        asyncio.run(recreate_postgres(url))
    world = asyncio.run(seed(url, args))
    load_result = http_phase(url, workdir, args, world)
    result = summarise_rush(load_result)
    expected = len(world["bookings"])
    problems = asyncio.run(check_invariants(url, args.seats, expected, told_positions(load_result)))
    if result["errors"]:
        problems.append(f"{result['errors']} non-201 responses: {result['status_codes']}")
    result["invariant_problems"] = problems
    result["confirmed_expected"] = min(args.seats, args.teachers // args.cohorts) * args.cohorts
    result["raw_bookings_per_s"] = None
    if postgres:
        result["raw_bookings_per_s"] = asyncio.run(
            raw_ceiling(url, world["bookings"], args.concurrency)
        )
        raw_problems = asyncio.run(check_invariants(url, args.seats, expected, None))
        result["raw_invariant_problems"] = raw_problems
    result["postgres_version"] = asyncio.run(postgres_version(url))
    return result


def summary_line(result: dict[str, Any], args: argparse.Namespace) -> str:
    raw = result["raw_bookings_per_s"]
    rate = result["bookings_per_s"]
    raw_text = f"raw {raw:.0f}/s (ratio {rate / raw:.2f})" if raw else "raw n/a"
    problems = result["invariant_problems"] + result.get("raw_invariant_problems", [])
    verdict = "invariants OK" if not problems else "INVARIANTS FAILED: " + "; ".join(problems[:3])
    return (
        f"booking rush, {args.teachers} teachers, {args.cohorts}x{args.seats} seats, "
        f"{result['database']}, {args.workers} worker{'s' if args.workers > 1 else ''}: "
        f"{rate:.0f} bookings/s, p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms; "
        f"/health {result['health_requests_per_s']:.0f} req/s (ratio "
        f"{rate / result['health_requests_per_s']:.2f}; bare sockets "
        f"{result['health_bare_socket_requests_per_s']:.0f}); {raw_text}; {verdict}"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--teachers", type=int, default=2000)
    parser.add_argument("--cohorts", type=int, default=40)
    parser.add_argument("--seats", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--health-seconds", type=float, default=5.0)
    parser.add_argument(
        "--py-spy", type=Path, default=None, help="sample the server with py-spy into this file"
    )
    parser.add_argument("--load", nargs=2, metavar=("PLAN", "RESULT"), help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.load:
        plan = json.loads(Path(args.load[0]).read_text())
        Path(args.load[1]).write_text(json.dumps(asyncio.run(load(plan))))
        return
    workdir = Path(tempfile.mkdtemp(prefix="booking-rush-"))
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    database = url.split(":", 1)[0].split("+", 1)[0]
    result = {"database": database, **measure(url, workdir, args)}
    result |= {
        "teachers": args.teachers,
        "cohorts": args.cohorts,
        "seats": args.seats,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "machine": machine(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"booking_rush-{database}-{args.workers}w.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(summary_line(result, args))


if __name__ == "__main__":
    main()
