"""`fits_my_timetable` over 500 cohorts for a teacher with a year of weekly lessons.

    uv run python benchmarks/timetable_bench.py [--database-url URL] [--cohorts 500]
        [--sessions 3] [--repeat 20] [--seed 7] [--py-spy FILE]

Seeds a fresh database with `--cohorts` published cohorts of `--sessions` sessions each, spread
over the coming year at school-day, after-school and holiday times, and one teacher with an API
token. Starts `booking serve`, puts the teacher's timetable over HTTP (5 days x 6 lessons, with
two school years of terms and half terms), then pages through
`GET /api/v1/cohorts?fits_my_timetable=true&limit=200` `--repeat` times, timing every page and
every walk through all the pages, and the same walk without the filter for comparison. With the
server stopped, it times the service call behind each page in-process (no HTTP): the server-side
time. Writes benchmarks/results/timetable_bench-<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, date, datetime
from typing import Any

import httpx
import seeding
import skeleton
from bench_common import percentile
from skeleton import Benchmark, Run
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import SystemClock
from booking.database import create_engine, create_sessionmaker
from booking.models import (
    ApiToken,
    Cohort,
    Course,
    CourseNeedArea,
    Hub,
    TrainingSession,
    User,
    Venue,
)
from booking.services.cohorts import CohortService
from booking.settings import DatabaseSettings

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


async def seed(db: AsyncSession, args: argparse.Namespace) -> dict[str, str]:
    """One hub, course, venue and trainer, the cohorts, and one teacher with an API token:
    {"teacher_id", "token"}."""
    now = seeding.now_s()
    rng = random.Random(args.seed)
    hub, course = seeding.hub(now), seeding.course(now)
    venue, trainer = seeding.venue(now, hub["id"]), seeding.trainer(now, hub["id"])
    place = {"hub_id": hub["id"], "trainer_id": trainer["id"], "venue_id": venue["id"]}
    cohorts = [seeding.cohort(now, course_id=course["id"], **place) for _ in range(args.cohorts)]
    sessions = [
        seeding.session(now, cohort, start, hours=seeding.SESSION_HOURS)
        for cohort in cohorts
        for start in seeding.session_times(rng, now.date(), args.sessions)
    ]
    teacher = seeding.teacher(now)
    token_row, token = seeding.api_token(now, teacher["id"])
    for model, rows in [
        (Hub, [hub]),
        (Course, [course]),
        (CourseNeedArea, [seeding.need_area(course["id"])]),
        (Venue, [venue]),
        (User, [trainer, teacher]),
        (Cohort, cohorts),
        (TrainingSession, sessions),
        (ApiToken, [token_row]),
    ]:
        await seeding.insert_rows(db, model, rows)
    return {"teacher_id": teacher["id"], "token": token}


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


def measure(run: Run) -> dict[str, Any]:
    with run.serve() as server:
        result = http_phase(server.base, run.world, run.args.repeat)
    result["service"] = asyncio.run(
        service_phase(run.url, run.world["teacher_id"], run.args.repeat)
    )
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cohorts", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=3, help="sessions per cohort")
    parser.add_argument("--repeat", type=int, default=20, help="walks through all the pages")
    parser.add_argument("--seed", type=int, default=7, help="random seed for session times")


BENCHMARK = Benchmark(
    name="timetable_bench",
    doc=__doc__ or "",
    add_arguments=add_arguments,
    seed=seed,
    measure=measure,
    summary_line=summary_line,
    parameters=lambda args: {
        "cohorts": args.cohorts,
        "sessions_per_cohort": args.sessions,
        "repeat": args.repeat,
    },
)

if __name__ == "__main__":
    skeleton.run(BENCHMARK)
