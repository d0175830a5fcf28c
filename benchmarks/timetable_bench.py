"""`fits_my_timetable` over 500 cohorts for a teacher with a year of weekly lessons.

    uv run python benchmarks/timetable_bench.py [--database-url URL] [--cohorts 500]
        [--sessions 3] [--repeat 20] [--py-spy FILE]

Seeds a fresh database (SQLite in a temp dir, or: drops and recreates the PostgreSQL database
named in --database-url) with `--cohorts` published cohorts of `--sessions` sessions each, spread
over the coming year at school-day, after-school and holiday times, and one teacher with an API
token. Starts `booking serve`, puts the teacher's timetable over HTTP (5 days x 6 lessons, with
two school years of terms and half terms), then pages through
`GET /api/v1/cohorts?fits_my_timetable=true&limit=200` `--repeat` times, timing every page and
every walk through all the pages, and the same walk without the filter for comparison. With the
server stopped, it times the service call behind each page in-process (no HTTP): the server-side
time. Prints one summary line and writes JSON to benchmarks/results/timetable_bench-<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from bench_common import (
    RESULTS,
    database_name,
    machine,
    percentile,
    postgres_version,
    py_spy,
    recreate_postgres,
    sqlite_url,
    stamped,
    start_server,
    stop_server,
)
from sqlalchemy import insert

from booking.clock import SystemClock
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
from booking.services.cohorts import CohortService
from booking.settings import DatabaseSettings

LONDON = ZoneInfo("Europe/London")
PAGE = 200
# Six lessons a day, Monday to Friday.
LESSONS = [
    ("08:50", "09:45"),
    ("09:45", "10:40"),
    ("11:00", "11:55"),
    ("11:55", "12:50"),
    ("13:40", "14:35"),
    ("14:35", "15:30"),
]
# Session start times (local): the first three fall in lessons on a school day, the others not.
SESSION_STARTS = ["09:30", "11:30", "14:00", "16:00", "18:00"]
SESSION_HOURS = 2


# --- the teacher's timetable -----------------------------------------------------------------


def school_terms(today: date) -> list[dict[str, str]]:
    """Two school years of terms split at half term (England-like dates), covering a year on."""
    terms = []
    first_year = today.year - 1 if today.month < 9 else today.year
    for year in (first_year, first_year + 1):
        for start, end in [
            (date(year, 9, 3), date(year, 10, 24)),
            (date(year, 11, 3), date(year, 12, 19)),
            (date(year + 1, 1, 5), date(year + 1, 2, 13)),
            (date(year + 1, 2, 23), date(year + 1, 3, 27)),
            (date(year + 1, 4, 13), date(year + 1, 5, 22)),
            (date(year + 1, 6, 1), date(year + 1, 7, 22)),
        ]:
            terms.append({"start_date": start.isoformat(), "end_date": end.isoformat()})
    return terms


def weekly_timetable(today: date) -> dict[str, Any]:
    return {
        "weekly": [
            {"day": day, "start": start, "end": end, "label": f"Lesson {n + 1}"}
            for day in ("mon", "tue", "wed", "thu", "fri")
            for n, (start, end) in enumerate(LESSONS)
        ],
        "timezone": "Europe/London",
        "terms": school_terms(today),
    }


# --- seeding ---------------------------------------------------------------------------------


def session_times(rng: random.Random, today: date, count: int) -> list[datetime]:
    """`count` local starts on days over the coming year (weekends too), as aware UTC."""
    starts = []
    for _ in range(count):
        day = today + timedelta(days=rng.randrange(2, 365))
        hhmm = clock_time.fromisoformat(rng.choice(SESSION_STARTS))
        starts.append(datetime.combine(day, hhmm, LONDON).astimezone(UTC))
    return sorted(starts)


async def seed(url: str, args: argparse.Namespace) -> dict[str, str]:
    """The cohorts and one teacher with an API token: {"teacher_id", "token"}."""
    engine = create_engine(DatabaseSettings(url=url), enforce_foreign_keys=False)
    await upgrade(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    rng = random.Random(args.seed)
    hub_id, course_id, venue_id, trainer_id = new_id(), new_id(), new_id(), new_id()
    cohorts, sessions = [], []
    for _ in range(args.cohorts):
        cohort_id = new_id()
        cohorts.append(
            {
                "id": cohort_id,
                "hub_id": hub_id,
                "course_id": course_id,
                "trainer_id": trainer_id,
                "venue_id": venue_id,
                "status": CohortStatus.PUBLISHED,
                "capacity": 20,
                "waitlist_mode": WaitlistMode.AUTO,
                "offer_ttl": "PT48H",
                "promotion_cutoff": "PT24H",
                "reminder_offsets": ["P1D"],
                "published_at": now,
                **stamped(now),
            }
        )
        sessions += [
            {
                "id": new_id(),
                "cohort_id": cohort_id,
                "venue_id": venue_id,
                "trainer_id": trainer_id,
                "starts_at": start,
                "ends_at": start + timedelta(hours=SESSION_HOURS),
                "status": SessionStatus.SCHEDULED,
                "sequence": 0,
                "uid": str(uuid.uuid4()),
                **stamped(now),
            }
            for start in session_times(rng, now.date(), args.sessions)
        ]
    teacher_id, token = new_id(), secrets.token_urlsafe(32)
    async with create_sessionmaker(engine)() as db, db.begin():
        hub = {"name": "Bench Hub", "region": "North West", "contact_email": "hub@bench.example"}
        await db.execute(insert(Hub), [{"id": hub_id, **hub, **stamped(now)}])
        course = {"title": "Bench course", "summary": "s", "audience": ["teacher"]}
        await db.execute(insert(Course), [{"id": course_id, **course, **stamped(now)}])
        await db.execute(
            insert(CourseNeedArea),
            [{"course_id": course_id, "need_area": NeedArea.SENSORY_AND_PHYSICAL}],
        )
        venue = {
            "name": "Room",
            "address": "1 Street\nTown",
            "postcode": "M1 1AE",
            "capacity": 30,
            "timezone": "Europe/London",
            "accessibility": ["lift"],
        }
        await db.execute(
            insert(Venue), [{"id": venue_id, "hub_id": hub_id, **venue, **stamped(now)}]
        )
        people = [
            {
                "id": trainer_id,
                "email": "trainer@bench.example",
                "name": "Trainer",
                "role": Role.TRAINER,
                "hub_id": hub_id,
            },
            {
                "id": teacher_id,
                "email": "teacher@bench.example",
                "name": "Teacher",
                "role": Role.TEACHER,
            },
        ]
        await db.execute(insert(User), [{**p, **stamped(now)} for p in people])
        await db.execute(insert(Cohort), cohorts)
        await db.execute(insert(TrainingSession), sessions)
        await db.execute(
            insert(ApiToken),
            [
                {
                    "id": new_id(),
                    "user_id": teacher_id,
                    "token_hash": hash_token(token),
                    "created_at": now,
                }
            ],
        )
    await engine.dispose()
    return {"teacher_id": teacher_id, "token": token}


# --- over HTTP -------------------------------------------------------------------------------


def walk(client: httpx.Client, fits: bool) -> tuple[list[float], int]:
    """Every page of the listing: (each page's ms, cohorts listed)."""
    params: dict[str, str | int] = {"limit": PAGE}
    if fits:
        params["fits_my_timetable"] = "true"
    pages, listed = [], 0
    while True:
        started = time.perf_counter()
        response = client.get("/api/v1/cohorts", params=params)
        pages.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        body = response.json()
        listed += len(body["items"])
        if body["next_cursor"] is None:
            return pages, listed
        params["cursor"] = body["next_cursor"]


def timings(walks: list[tuple[list[float], int]]) -> dict[str, Any]:
    pages = [ms for page_times, _ in walks for ms in page_times]
    totals = [sum(page_times) for page_times, _ in walks]
    return {
        "listed": walks[0][1],
        "pages_per_walk": len(walks[0][0]),
        "page_p50_ms": statistics.median(pages),
        "page_p99_ms": percentile(pages, 0.99),
        "walk_p50_ms": statistics.median(totals),
        "walk_p99_ms": percentile(totals, 0.99),
    }


def http_phase(base: str, world: dict[str, str], repeat: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {world['token']}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        put = client.put("/api/v1/me/timetable", json=weekly_timetable(datetime.now(UTC).date()))
        put.raise_for_status()
        walk(client, fits=True)  # warm-up: connections, statement caches
        fitting = [walk(client, fits=True) for _ in range(repeat)]
        everything = [walk(client, fits=False) for _ in range(repeat)]
    return {
        "timetable": put.json(),
        "fits": timings(fitting),
        "all": timings(everything),
    }


# --- in-process: the service call behind each page -------------------------------------------


async def service_phase(url: str, teacher_id: str, repeat: int) -> dict[str, Any]:
    engine = create_engine(DatabaseSettings(url=url))
    service = CohortService(SystemClock())
    pages: list[float] = []
    try:
        sessionmaker = create_sessionmaker(engine)
        for round_ in range(repeat + 1):
            cursor: str | None = None
            while True:
                async with sessionmaker() as db_session:
                    started = time.perf_counter()
                    page = await service.search(
                        db_session,
                        hub_id=None,
                        course_id=None,
                        need_area=None,
                        start=None,
                        end=None,
                        has_seats=None,
                        clash_free_for=teacher_id,
                        limit=PAGE,
                        cursor=cursor,
                    )
                    if round_ > 0:  # the first round warms up
                        pages.append((time.perf_counter() - started) * 1000)
                cursor = page.next_cursor
                if cursor is None:
                    break
    finally:
        await engine.dispose()
    return {"page_p50_ms": statistics.median(pages), "page_p99_ms": percentile(pages, 0.99)}


# --- the run ---------------------------------------------------------------------------------


def measure(url: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    if url.startswith("postgresql"):
        asyncio.run(recreate_postgres(url))
    world = asyncio.run(seed(url, args))
    server, base = start_server(url, workdir)
    try:
        with py_spy(server.pid, args.py_spy):
            result = http_phase(base, world, args.repeat)
    finally:
        stop_server(server)
    result["service"] = asyncio.run(service_phase(url, world["teacher_id"], args.repeat))
    result["postgres_version"] = asyncio.run(postgres_version(url))
    return result


def summary_line(result: dict[str, Any], args: argparse.Namespace) -> str:
    fits, everything, service = result["fits"], result["all"], result["service"]
    return (
        f"fits_my_timetable, {args.cohorts} cohorts x {args.sessions} sessions, timetable of "
        f"{result['timetable']['entries']} lessons a year, {result['database']}: "
        f"{fits['listed']} fit, {fits['pages_per_walk']} pages of {PAGE}; page p50 "
        f"{fits['page_p50_ms']:.0f} ms p99 {fits['page_p99_ms']:.0f} ms, all pages p50 "
        f"{fits['walk_p50_ms']:.0f} ms p99 {fits['walk_p99_ms']:.0f} ms; service call per page "
        f"p50 {service['page_p50_ms']:.0f} ms p99 {service['page_p99_ms']:.0f} ms; unfiltered "
        f"list of {everything['listed']}: all pages p50 {everything['walk_p50_ms']:.0f} ms"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--cohorts", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=3, help="sessions per cohort")
    parser.add_argument("--repeat", type=int, default=20, help="walks through all the pages")
    parser.add_argument("--seed", type=int, default=7, help="random seed for session times")
    parser.add_argument(
        "--py-spy", type=Path, default=None, help="sample the server with py-spy into this file"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="timetable-bench-"))
    url = args.database_url or sqlite_url(workdir)
    database = database_name(url)
    result = {"database": database, **measure(url, workdir, args)}
    result |= {
        "cohorts": args.cohorts,
        "sessions_per_cohort": args.sessions,
        "repeat": args.repeat,
        "machine": machine(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"timetable_bench-{database}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(summary_line(result, args))


if __name__ == "__main__":
    main()
