"""The find-training page (`GET /`) over 200 published cohorts, signed out and as a teacher.

    uv run python benchmarks/pages_bench.py [--database-url URL] [--cohorts 200]
        [--requests 200] [--walks 20] [--seed 7] [--py-spy FILE]

Seeds a fresh database with 4 hubs, 6 courses, 8 venues with accessibility features, a trainer
per hub and `--cohorts` published cohorts of 2 or 3 sessions each over the coming year (the
session times of timetable_bench), and one teacher with an API token. Starts `booking serve` and
times `GET /` `--requests` times signed out and `--requests` times signed in as the teacher (the
pages' session cookie holds an API token, booking.pages.session, so the token is set as the
cookie). The page shows at most booking.pages.training.PAGE_SIZE cohorts (50) and links to the
next page; `--walks` times it also follows the "Next page" links through all the cohorts. Then,
with the server stopped, the same requests go to the app in-process through Litestar's
AsyncTestClient (no socket, no uvicorn): the server-side time. Writes
benchmarks/results/pages_bench-<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import logging
import random
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
import seeding
import skeleton
from bench_common import percentile, service_environ
from litestar.testing import AsyncTestClient
from skeleton import Benchmark, Run
from sqlalchemy.ext.asyncio import AsyncSession

from booking.app import create_app
from booking.models import (
    Accessibility,
    ApiToken,
    Cohort,
    Course,
    CourseNeedArea,
    Hub,
    NeedArea,
    TrainingSession,
    User,
    Venue,
)
from booking.pages.cookies import CookiePolicy
from booking.pages.training import PAGE_SIZE
from booking.settings import load_settings

HUBS = 4
COURSES = 6
VENUES_PER_HUB = 2
# One cookie name for the server and the in-process app: the base URL is http (no __Host-).
SESSION_COOKIE = CookiePolicy(secure=False).session_name
CARD = 'class="govuk-summary-card"'
NEXT = re.compile(r'href="(/\?[^"]*)" rel="next"')


# --- seeding ---------------------------------------------------------------------------------


def catalogue(now: datetime, rng: random.Random) -> dict[type[Any], list[seeding.Row]]:
    """Hubs, courses (two need areas each), venues (2 to 5 accessibility features) and a trainer
    per hub."""
    need_areas = list(NeedArea)
    hubs = [
        seeding.hub(now, name=f"Bench Hub {n + 1}", contact_email=f"hub{n + 1}@bench.example")
        for n in range(HUBS)
    ]
    courses = [
        seeding.course(
            now,
            title=f"Bench course {n + 1}: supporting pupils in the classroom",
            summary="What the course covers, in a sentence or two.",
            audience=["teacher", "teaching_assistant"],
        )
        for n in range(COURSES)
    ]
    course_areas = [
        seeding.need_area(c["id"], area)
        for n, c in enumerate(courses)
        for area in {need_areas[n % len(need_areas)], need_areas[(n + 1) % len(need_areas)]}
    ]
    venues = [
        seeding.venue(
            now,
            hub["id"],
            name=f"Training room {n + 1}",
            address=f"{n + 1} High Street\nTown",
            accessibility=[str(f) for f in rng.sample(list(Accessibility), rng.randint(2, 5))],
        )
        for hub in hubs
        for n in range(VENUES_PER_HUB)
    ]
    trainers = [seeding.trainer(now, hub["id"], n + 1) for n, hub in enumerate(hubs)]
    return {Hub: hubs, Course: courses, CourseNeedArea: course_areas, Venue: venues, User: trainers}


def cohorts_and_sessions(
    now: datetime, rng: random.Random, count: int, world: dict[type[Any], list[seeding.Row]]
) -> tuple[list[seeding.Row], list[seeding.Row]]:
    """`count` cohorts round the venues (each with its hub's trainer) and courses, of 2 or 3
    sessions at timetable_bench's times."""
    venues, courses = world[Venue], world[Course]
    cohorts, sessions = [], []
    for n in range(count):
        venue = venues[n % len(venues)]
        trainer = next(t for t in world[User] if t["hub_id"] == venue["hub_id"])
        cohort = seeding.cohort(
            now,
            hub_id=venue["hub_id"],
            course_id=courses[n % len(courses)]["id"],
            trainer_id=trainer["id"],
            venue_id=venue["id"],
        )
        cohorts.append(cohort)
        sessions += [
            seeding.session(now, cohort, start, hours=seeding.SESSION_HOURS)
            for start in seeding.session_times(rng, now.date(), rng.choice((2, 3)))
        ]
    return cohorts, sessions


async def seed(db: AsyncSession, args: argparse.Namespace) -> dict[str, str]:
    """The catalogue, the cohorts and one teacher: {"teacher_id", "token", "sessions"}."""
    now = seeding.now_s()
    rng = random.Random(args.seed)
    world = catalogue(now, rng)
    cohorts, sessions = cohorts_and_sessions(now, rng, args.cohorts, world)
    teacher = seeding.teacher(now)
    token_row, token = seeding.api_token(now, teacher["id"])
    world[User].append(teacher)
    for model, rows in [
        *world.items(),
        (Cohort, cohorts),
        (TrainingSession, sessions),
        (ApiToken, [token_row]),
    ]:
        await seeding.insert_rows(db, model, rows)
    return {"teacher_id": teacher["id"], "token": token, "sessions": str(len(sessions))}


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


async def in_process_phase(run: Run) -> dict:
    """The same requests through the app in this process: Litestar, the session middleware's
    token lookup, the queries and the template, without uvicorn and the socket."""
    settings = load_settings(service_environ(run.url, run.workdir))
    result = {}
    for who, cookies in [("signed_out", {}), ("teacher", {SESSION_COOKIE: run.world["token"]})]:
        app = create_app(settings)
        # After create_app, which sets up logging: the test client logs each request and the
        # scheduler each tick, and neither belongs among the figures.
        for name in ("httpx", "apscheduler"):
            logging.getLogger(name).setLevel(logging.WARNING)
        async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
            client.cookies.update(cookies)

            async def get(path: str, client: AsyncTestClient = client) -> tuple[int, str]:
                response = await client.get(path)
                return response.status_code, response.text

            result[who] = await timed(get, run.args, signed_in=bool(cookies))
    return result


# --- the run ---------------------------------------------------------------------------------


def measure(run: Run) -> dict[str, Any]:
    with run.serve() as server:
        result = {"http": asyncio.run(http_phase(server.base, run.world, run.args))}
    result["in_process"] = asyncio.run(in_process_phase(run))
    result["sessions"] = int(run.world["sessions"])
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cohorts", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200, help="first-page requests each")
    parser.add_argument("--walks", type=int, default=20, help="walks through all the pages")
    parser.add_argument("--seed", type=int, default=7, help="random seed for times and venues")


BENCHMARK = Benchmark(
    name="pages_bench",
    doc=__doc__ or "",
    add_arguments=add_arguments,
    seed=seed,
    measure=measure,
    summary_line=summary_line,
    parameters=lambda args: {
        "cohorts": args.cohorts,
        "page_size": PAGE_SIZE,
        "requests": args.requests,
        "walks": args.walks,
    },
)

if __name__ == "__main__":
    skeleton.run(BENCHMARK)
