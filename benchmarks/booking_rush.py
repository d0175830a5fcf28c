"""Booking rush over real HTTP: N teachers book M cohorts of S seats at once.

    uv run python benchmarks/booking_rush.py [--database-url URL] [--workers 1] [--teachers 2000]
        [--cohorts 40] [--seats 25] [--concurrency 64] [--health-seconds 5] [--py-spy FILE]

Seeds a fresh database with a hub, one course, and per cohort a venue, a trainer and one session
a week ahead, and `--teachers` teachers with API tokens. Starts `booking serve --workers W` and
sends the bookings from a separate load process (this script with the hidden --load option):
teacher i books cohort i % M. Then checks the invariants in the database and measures two
ceilings (`GET /health` from the same load process, and on PostgreSQL a raw asyncpg loop doing
the booking transaction without HTTP or ORM). Writes
benchmarks/results/booking_rush-<database>-<W>w.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import seeding
import skeleton
from bench_common import ROOT, percentile, postgres_cpu_seconds, tree_cpu_seconds
from ceilings import asyncpg_ceiling, health_ceiling, one_connection_clients
from skeleton import Benchmark, Run
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from booking.database import create_engine
from booking.ids import new_id
from booking.models import (
    ApiToken,
    Cohort,
    Course,
    CourseNeedArea,
    Hub,
    School,
    TrainingSession,
    User,
    Venue,
)
from booking.settings import DatabaseSettings

# --- seeding ---------------------------------------------------------------------------------


async def seed(db: AsyncSession, args: argparse.Namespace) -> dict[str, Any]:
    """Cohorts that do not overlap (a venue and a trainer each), then the teachers; the plan:
    teacher i books cohort i % cohorts."""
    now = seeding.now_s()
    hub, course = seeding.hub(now), seeding.course(now)
    venues, trainers, cohorts, sessions = [], [], [], []
    for i in range(args.cohorts):
        venue = seeding.venue(now, hub["id"], name=f"Room {i}", capacity=args.seats + 5)
        trainer = seeding.trainer(now, hub["id"], i)
        cohort = seeding.cohort(
            now,
            hub_id=hub["id"],
            course_id=course["id"],
            trainer_id=trainer["id"],
            venue_id=venue["id"],
            capacity=args.seats,
        )
        venues.append(venue)
        trainers.append(trainer)
        cohorts.append(cohort)
        sessions.append(seeding.session(now, cohort, now + timedelta(days=7), hours=3))
    teachers = [seeding.teacher(now, i) for i in range(args.teachers)]
    tokens = [seeding.api_token(now, t["id"]) for t in teachers]
    schools, leads, lead_tokens = [], [], []
    if args.bulk:
        # School k's staff are teachers k*per .. k*per + per - 1; its lead books them together.
        for k in range(args.teachers // args.per_school):
            school = seeding.school(now, k)
            lead = seeding.school_lead(now, school["id"], k)
            for teacher in teachers[k * args.per_school : (k + 1) * args.per_school]:
                teacher["school_id"] = school["id"]
            schools.append(school)
            leads.append(lead)
            lead_tokens.append(seeding.api_token(now, lead["id"]))
    for model, rows in [
        (School, schools),
        (Hub, [hub]),
        (Course, [course]),
        (CourseNeedArea, [seeding.need_area(course["id"])]),
        (Venue, venues),
        (User, trainers + teachers + leads),
        (Cohort, cohorts),
        (TrainingSession, sessions),
        (ApiToken, [row for row, _ in tokens + lead_tokens]),
    ]:
        await seeding.insert_rows(db, model, rows)
    return {
        "cohorts": [c["id"] for c in cohorts],
        "bulk": [
            {
                "token": token,
                "cohort_id": cohorts[k % len(cohorts)]["id"],
                "teacher_ids": [
                    t["id"] for t in teachers[k * args.per_school : (k + 1) * args.per_school]
                ],
            }
            for k, (_, token) in enumerate(lead_tokens)
        ],
        "bookings": [
            {"teacher_id": t["id"], "token": token, "cohort_id": cohorts[i % len(cohorts)]["id"]}
            for i, (t, (_, token)) in enumerate(zip(teachers, tokens, strict=True))
        ],
    }


# --- the load process ------------------------------------------------------------------------


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

    async with one_connection_clients(base, concurrency) as pool:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for client in pool))
        wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "outcomes": outcomes,
    }


async def bulk_rush(base: str, requests: list[dict[str, Any]], concurrency: int) -> dict[str, Any]:
    """Every lead's one bulk request at once (up to `concurrency` in flight): each outcome is one
    teacher's result, with the request's latency."""
    pending = iter(requests)
    latencies: list[float] = []
    outcomes: list[dict[str, Any]] = []

    async def worker(client: httpx.AsyncClient) -> None:
        for request in pending:
            started = time.perf_counter()
            response = await client.post(
                f"/api/v1/cohorts/{request['cohort_id']}/bookings/bulk",
                json={"teacher_ids": request["teacher_ids"]},
                headers={"Authorization": f"Bearer {request['token']}"},
            )
            latencies.append((time.perf_counter() - started) * 1000)
            results = response.json().get("results", []) if response.status_code == 200 else []
            outcomes.extend(
                {
                    "teacher_id": r["teacher_id"],
                    # One teacher's result, counted as the single booking's 201 would be.
                    "status_code": 201 if r["booking"] and not r["problem"] else 409,
                    "body": r["booking"] or r["problem"],
                }
                for r in results
            )
            if response.status_code != 200:
                outcomes.extend(
                    {"teacher_id": t, "status_code": response.status_code, "body": {}}
                    for t in request["teacher_ids"]
                )

    async with one_connection_clients(base, min(concurrency, len(requests))) as pool:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for client in pool))
        wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "outcomes": outcomes,
    }


def cpu_readings(pids: dict[str, int | None], *, postgres: bool) -> dict[str, float]:
    """CPU seconds so far of the service's processes (each with its children) and, on
    PostgreSQL, the database's."""
    readings = {name: tree_cpu_seconds(pid) for name, pid in pids.items() if pid is not None}
    return readings | ({"postgres": postgres_cpu_seconds()} if postgres else {})


async def settled(pids: dict[str, int | None], limit_s: float = 120) -> None:
    """Until the service's processes are idle (under a tenth of a core for half a second): the
    outbox dispatch that follows the rush (confirmation mails and invites) is part of the cost
    of a booking."""
    deadline = time.monotonic() + limit_s
    before = sum(tree_cpu_seconds(pid) for pid in pids.values() if pid is not None)
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        now = sum(tree_cpu_seconds(pid) for pid in pids.values() if pid is not None)
        if now - before < 0.05:
            return
        before = now


async def load(plan: dict[str, Any]) -> dict[str, Any]:
    """The idle server's /health first (httpx, then bare sockets), then the rush, with the CPU
    each process spent on it (the dispatch after it included)."""
    base, concurrency, pids = plan["base"], plan["concurrency"], plan["pids"]
    health = await health_ceiling(base, plan["health_seconds"], concurrency)
    await settled(pids)
    before = cpu_readings(pids, postgres=plan["postgres"])
    if plan["bulk"]:
        booked = await bulk_rush(base, plan["bulk"], concurrency)
    else:
        booked = await rush(base, plan["bookings"], concurrency)
    during = cpu_readings(pids, postgres=plan["postgres"])
    await settled(pids)
    after = cpu_readings(pids, postgres=plan["postgres"])
    booked["cpu_s_during"] = {k: during[k] - before[k] for k in before}
    booked["cpu_s_with_dispatch"] = {k: after[k] - before[k] for k in before}
    return {"booking": booked, "health": health}


def load_main(argv: list[str]) -> None:
    """The hidden `--load PLAN RESULT`: the load generator, in a process of its own so that the
    client's Python does not share an interpreter with the measuring."""
    plan_file, result_file = (Path(a) for a in argv)
    plan = json.loads(plan_file.read_text())
    result_file.write_text(json.dumps(asyncio.run(load(plan))))


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


async def empty_bookings(pool: asyncpg.Pool) -> None:
    """Back to the seeded state, so the raw loop books the same seats the service did."""
    await pool.execute("DELETE FROM outbox_event; DELETE FROM booking;")
    await pool.execute("UPDATE cohort SET confirmed_count = 0, offered_count = 0, waitlist_seq = 0")


async def raw_ceiling(url: str, bookings: list[dict[str, str]], concurrency: int) -> float:
    """Empties the bookings, then books them all again through asyncpg: bookings per second."""

    async def job(conn: asyncpg.Connection, booking: dict[str, str]) -> None:
        await book_raw(conn, booking["teacher_id"], booking["cohort_id"])

    return await asyncpg_ceiling(url, bookings, concurrency, job, prepare=empty_bookings)


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
        # CPU milliseconds a booking, per process: in the rush, and with the dispatch after it.
        "cpu_ms_per_booking": {
            name: round(1000 * seconds / len(outcomes), 2)
            for name, seconds in booked["cpu_s_during"].items()
        },
        "cpu_ms_per_booking_with_dispatch": {
            name: round(1000 * seconds / len(outcomes), 2)
            for name, seconds in booked["cpu_s_with_dispatch"].items()
        },
    }


def told_positions(load_result: dict[str, Any]) -> dict[str, int | None]:
    return {
        o["teacher_id"]: o["body"].get("waitlist_position")
        for o in load_result["booking"]["outcomes"]
        if o["status_code"] == 201
    }


def measure(run: Run) -> dict[str, Any]:
    args, bookings = run.args, run.world["bookings"]
    with run.serve(workers=args.workers, separate_worker=args.separate_worker) as server:
        plan = {
            "base": server.base,
            "bookings": bookings,
            "concurrency": args.concurrency,
            "health_seconds": args.health_seconds,
            "bulk": run.world["bulk"],
            "pids": {"server": server.pid, "worker": server.worker_pid},
            "postgres": run.postgres,
        }
        load_result = run_load_process(plan, run.workdir)
    result = summarise_rush(load_result)
    told = told_positions(load_result)
    problems = asyncio.run(check_invariants(run.url, args.seats, len(bookings), told))
    if result["errors"]:
        problems.append(f"{result['errors']} non-201 responses: {result['status_codes']}")
    result["invariant_problems"] = problems
    result["confirmed_expected"] = min(args.seats, args.teachers // args.cohorts) * args.cohorts
    result["raw_bookings_per_s"] = None
    if run.postgres:
        result["raw_bookings_per_s"] = asyncio.run(raw_ceiling(run.url, bookings, args.concurrency))
        raw_problems = asyncio.run(check_invariants(run.url, args.seats, len(bookings), None))
        result["raw_invariant_problems"] = raw_problems
    return result


def summary_line(result: dict[str, Any], args: argparse.Namespace) -> str:
    raw = result["raw_bookings_per_s"]
    rate = result["bookings_per_s"]
    raw_text = f"raw {raw:.0f}/s (ratio {rate / raw:.2f})" if raw else "raw n/a"
    problems = result["invariant_problems"] + result.get("raw_invariant_problems", [])
    cpu = ", ".join(f"{k} {v:.1f}" for k, v in result["cpu_ms_per_booking_with_dispatch"].items())
    verdict = "invariants OK" if not problems else "INVARIANTS FAILED: " + "; ".join(problems[:3])
    return (
        f"booking rush, {args.teachers} teachers, {args.cohorts}x{args.seats} seats, "
        f"{result['database']}, {args.workers} worker{'s' if args.workers > 1 else ''}"
        f"{' + booking worker' if args.separate_worker else ''}"
        f"{f', bulk ({args.per_school} a school)' if args.bulk else ''}: "
        f"{rate:.0f} bookings/s, p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms; "
        f"/health {result['health_requests_per_s']:.0f} req/s (ratio "
        f"{rate / result['health_requests_per_s']:.2f}; bare sockets "
        f"{result['health_bare_socket_requests_per_s']:.0f}); {raw_text}; "
        f"CPU ms a booking with its dispatch: {cpu}; {verdict}"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=1, help="booking serve --workers")
    parser.add_argument(
        "--separate-worker",
        action="store_true",
        help="serve HTTP only (BOOKING_RUN_WORKER=false) beside one `booking worker`",
    )
    parser.add_argument(
        "--bulk",
        action="store_true",
        help="schools of --per-school staff, each school's lead booking all of them in one "
        "POST .../bookings/bulk (with --teachers 400: 40 schools of 10)",
    )
    parser.add_argument("--per-school", type=int, default=10)
    parser.add_argument("--teachers", type=int, default=2000)
    parser.add_argument("--cohorts", type=int, default=40)
    parser.add_argument("--seats", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=64, help="connections at once")
    parser.add_argument(
        "--health-seconds", type=float, default=5.0, help="for each /health ceiling"
    )


BENCHMARK = Benchmark(
    name="booking_rush",
    doc=__doc__ or "",
    add_arguments=add_arguments,
    seed=seed,
    measure=measure,
    summary_line=summary_line,
    parameters=lambda args: {
        "teachers": args.teachers,
        "cohorts": args.cohorts,
        "seats": args.seats,
        "workers": args.workers,
        "separate_worker": args.separate_worker,
        "bulk": args.bulk,
        "concurrency": args.concurrency,
    },
    result_stem=lambda args, database: (
        f"booking_rush-{database}-{args.workers}w{'-separate' if args.separate_worker else ''}"
        f"{'-bulk' if args.bulk else ''}"
    ),
    helpers={"--load": load_main},
)

if __name__ == "__main__":
    skeleton.run(BENCHMARK)
