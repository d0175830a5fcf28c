"""The find-training page (`GET /`) over 200 published cohorts, signed out and as a teacher.

    uv run python benchmarks/pages_bench.py [--database-url URL] [--cohorts 200]
        [--requests 200] [--walks 20] [--py-spy FILE]

Seeds a fresh database (SQLite in a temp dir, or: drops and recreates the PostgreSQL database
named in --database-url) with 4 hubs, 6 courses, 8 venues with accessibility features, a trainer
per hub and `--cohorts` published cohorts of 2 or 3 sessions each over the coming year (the
session times of timetable_bench), and one teacher with an API token. Starts `booking serve` and
times `GET /` `--requests` times signed out and `--requests` times signed in as the teacher (the
pages' session cookie holds an API token, booking.pages.session, so the token is set as the
cookie). The page shows at most booking.pages.training.PAGE_SIZE cohorts (50) and links to the
next page; `--walks` times it also follows the "Next page" links through all the cohorts. Then,
with the server stopped, the same requests go to the app in-process through Litestar's
AsyncTestClient (no socket, no uvicorn): the server-side time. Prints one summary line and writes
JSON to benchmarks/results/pages_bench-<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import logging
import os
import random
import re
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
from litestar.testing import AsyncTestClient
from sqlalchemy import insert
from timetable_bench import SESSION_HOURS, session_times

from booking.app import create_app
from booking.database import create_engine, create_sessionmaker
from booking.ids import new_id
from booking.migrate import upgrade
from booking.models import (
    Accessibility,
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
from booking.pages.cookies import CookiePolicy
from booking.pages.training import PAGE_SIZE
from booking.security import hash_token
from booking.settings import DatabaseSettings, load_settings

HUBS = 4
COURSES = 6
VENUES_PER_HUB = 2
SECRET_KEY = "bench-" + "k" * 40  # what bench_common.start_server sets
# One cookie name for the server and the in-process app: the base URL is http (no __Host-).
SESSION_COOKIE = CookiePolicy(secure=False).session_name
CARD = 'class="govuk-summary-card"'
NEXT = re.compile(r'href="(/\?[^"]*)" rel="next"')


# --- seeding ---------------------------------------------------------------------------------


async def seed(url: str, args: argparse.Namespace) -> dict[str, str]:
    """Hubs, courses, venues, trainers, the cohorts and one teacher: {"teacher_id", "token"}."""
    engine = create_engine(DatabaseSettings(url=url), enforce_foreign_keys=False)
    await upgrade(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    rng = random.Random(args.seed)
    features = list(Accessibility)
    need_areas = list(NeedArea)
    hubs = [
        {
            "id": new_id(),
            "name": f"Bench Hub {n + 1}",
            "region": "North West",
            "contact_email": f"hub{n + 1}@bench.example",
            **stamped(now),
        }
        for n in range(HUBS)
    ]
    courses = [
        {
            "id": new_id(),
            "title": f"Bench course {n + 1}: supporting pupils in the classroom",
            "summary": "What the course covers, in a sentence or two.",
            "audience": ["teacher", "teaching_assistant"],
            **stamped(now),
        }
        for n in range(COURSES)
    ]
    course_areas = [
        {"course_id": c["id"], "need_area": area}
        for n, c in enumerate(courses)
        for area in {need_areas[n % len(need_areas)], need_areas[(n + 1) % len(need_areas)]}
    ]
    venues = [
        {
            "id": new_id(),
            "hub_id": hub["id"],
            "name": f"Training room {n + 1}",
            "address": f"{n + 1} High Street\nTown",
            "postcode": "M1 1AE",
            "capacity": 30,
            "timezone": "Europe/London",
            "accessibility": [str(f) for f in rng.sample(features, rng.randint(2, 5))],
            **stamped(now),
        }
        for hub in hubs
        for n in range(VENUES_PER_HUB)
    ]
    trainers = [
        {
            "id": new_id(),
            "email": f"trainer{n + 1}@bench.example",
            "name": f"Trainer {n + 1}",
            "role": Role.TRAINER,
            "hub_id": hub["id"],
            **stamped(now),
        }
        for n, hub in enumerate(hubs)
    ]
    cohorts, sessions = [], []
    for n in range(args.cohorts):
        cohort_id = new_id()
        venue = venues[n % len(venues)]
        trainer = next(t for t in trainers if t["hub_id"] == venue["hub_id"])
        common = {"venue_id": venue["id"], "trainer_id": trainer["id"]}
        cohorts.append(
            {
                "id": cohort_id,
                "hub_id": venue["hub_id"],
                "course_id": courses[n % len(courses)]["id"],
                **common,
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
                **common,
                "starts_at": start,
                "ends_at": start + timedelta(hours=SESSION_HOURS),
                "status": SessionStatus.SCHEDULED,
                "sequence": 0,
                "uid": str(uuid.uuid4()),
                **stamped(now),
            }
            for start in session_times(rng, now.date(), rng.choice((2, 3)))
        ]
    teacher_id, token = new_id(), secrets.token_urlsafe(32)
    teacher = {"id": teacher_id, "email": "teacher@bench.example", "name": "Teacher"}
    async with create_sessionmaker(engine)() as db, db.begin():
        await db.execute(insert(Hub), hubs)
        await db.execute(insert(Course), courses)
        await db.execute(insert(CourseNeedArea), course_areas)
        await db.execute(insert(Venue), venues)
        people = [*trainers, {**teacher, "role": Role.TEACHER, **stamped(now)}]
        await db.execute(insert(User), people)
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
    return {"teacher_id": teacher_id, "token": token, "sessions": str(len(sessions))}


# --- timing ----------------------------------------------------------------------------------


def checked(status: int, text: str, signed_in: bool) -> tuple[int, str | None]:
    """(cohorts on the page, the next page's link); raises unless a full, right page."""
    if status != 200:
        raise SystemExit(f"GET / answered {status}")
    if signed_in != ("Sign out" in text):
        raise SystemExit(f"GET / signed_in={signed_in} but the page says otherwise")
    found = NEXT.search(text)
    return text.count(CARD), html.unescape(found.group(1)) if found else None


async def timed(
    get: Callable[[str], Awaitable[tuple[int, str]]], args: argparse.Namespace, signed_in: bool
) -> dict[str, Any]:
    """First page `--requests` times (after 10 to warm up), then `--walks` walks of all pages."""
    for _ in range(10):
        checked(*await get("/"), signed_in)
    first: list[float] = []
    for _ in range(args.requests):
        started = time.perf_counter()
        status, text = await get("/")
        first.append((time.perf_counter() - started) * 1000)
        shown, _ = checked(status, text, signed_in)
    walks, listed, pages = [], 0, 0
    for _ in range(args.walks):
        link: str | None = "/"
        listed = pages = 0
        started = time.perf_counter()
        while link is not None:
            count, link = checked(*await get(link), signed_in)
            listed, pages = listed + count, pages + 1
        walks.append((time.perf_counter() - started) * 1000)
    return {
        "cohorts_on_first_page": shown,
        "bytes": len(text.encode()),
        "p50_ms": statistics.median(first),
        "p99_ms": percentile(first, 0.99),
        "pages_per_walk": pages,
        "listed_per_walk": listed,
        "walk_p50_ms": statistics.median(walks) if walks else None,
    }


async def http_phase(base: str, world: dict[str, str], args: argparse.Namespace) -> dict:
    result = {}
    for who, cookies in [("signed_out", {}), ("teacher", {SESSION_COOKIE: world["token"]})]:
        async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=60) as client:

            async def get(path: str, client: httpx.AsyncClient = client) -> tuple[int, str]:
                response = await client.get(path)
                return response.status_code, response.text

            result[who] = await timed(get, args, signed_in=bool(cookies))
    return result


async def in_process_phase(
    url: str, workdir: Path, world: dict[str, str], args: argparse.Namespace
) -> dict:
    """The same requests through the app in this process: Litestar, the session middleware's
    token lookup, the queries and the template, without uvicorn and the socket."""
    settings = load_settings(
        {
            "BOOKING_DATABASE_URL": url,
            "BOOKING_MAIL_DIR": str(workdir / "mail"),
            "BOOKING_SECRET_KEY": SECRET_KEY,
        }
    )
    result = {}
    for who, cookies in [("signed_out", {}), ("teacher", {SESSION_COOKIE: world["token"]})]:
        app = create_app(settings)
        async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
            client.cookies.update(cookies)
            logging.getLogger("httpx").setLevel(logging.WARNING)  # the app logs each request

            async def get(path: str, client: AsyncTestClient = client) -> tuple[int, str]:
                response = await client.get(path)
                return response.status_code, response.text

            result[who] = await timed(get, args, signed_in=bool(cookies))
    return result


# --- the run ---------------------------------------------------------------------------------


def measure(url: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    if url.startswith("postgresql"):
        asyncio.run(recreate_postgres(url))
    world = asyncio.run(seed(url, args))
    server, base = start_server(url, workdir)
    try:
        with py_spy(server.pid, args.py_spy):
            result = {"http": asyncio.run(http_phase(base, world, args))}
    finally:
        stop_server(server)
    result["in_process"] = asyncio.run(in_process_phase(url, workdir, world, args))
    result["sessions"] = int(world["sessions"])
    result["postgres_version"] = asyncio.run(postgres_version(url))
    return result


def summary_line(result: dict[str, Any], args: argparse.Namespace) -> str:
    http, inproc = result["http"], result["in_process"]

    def who(name: str) -> str:
        h, i = http[name], inproc[name]
        return (
            f"{name.replace('_', ' ')} p50 {h['p50_ms']:.1f} ms p99 {h['p99_ms']:.1f} ms "
            f"(in-process p50 {i['p50_ms']:.1f} p99 {i['p99_ms']:.1f}; all {h['pages_per_walk']}"
            f" pages p50 {h['walk_p50_ms']:.0f} ms)"
        )

    first = http["signed_out"]
    return (
        f"GET /, {args.cohorts} published cohorts ({result['sessions']} sessions), "
        f"{result['database']}: {first['cohorts_on_first_page']} cohorts a page "
        f"({first['bytes'] // 1024} KB), {args.requests} requests each: "
        f"{who('signed_out')}; {who('teacher')}"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--cohorts", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200, help="first-page requests each")
    parser.add_argument("--walks", type=int, default=20, help="walks through all the pages")
    parser.add_argument("--seed", type=int, default=7, help="random seed for times and venues")
    parser.add_argument(
        "--py-spy", type=Path, default=None, help="sample the server with py-spy into this file"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="pages-bench-"))
    url = args.database_url or sqlite_url(workdir)
    database = database_name(url)
    result = {"database": database, **measure(url, workdir, args)}
    result |= {
        "cohorts": args.cohorts,
        "page_size": PAGE_SIZE,
        "requests": args.requests,
        "walks": args.walks,
        "machine": machine(),
        "load": os.getloadavg(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"pages_bench-{database}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(summary_line(result, args))


if __name__ == "__main__":
    main()
