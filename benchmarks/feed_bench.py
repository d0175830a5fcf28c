"""Feeds over real HTTP: a hub feed of 5,000 sessions (cold render, warm 200, 304) and teachers'
personal feeds under concurrent load.

    uv run python benchmarks/feed_bench.py [--database-url URL] [--sessions 5000] [--repeat 50]
        [--teachers 200] [--bookings-per-teacher 5] [--concurrency 32] [--teacher-requests 2000]
        [--py-spy FILE]

Seeds a fresh database with one hub, venue and trainer, cohorts of 10 sessions each (`--sessions`
in all, spread over the feed's 12-month window), and `--teachers` teachers with API tokens and
confirmed seats on `--bookings-per-teacher` cohorts each. Starts `booking serve` and times, from
this process, the hub feed (the first request renders it; `--repeat` warm 200s; `--repeat` 304s
with If-None-Match), then every teacher's feed URL from the API and `--teacher-requests` GETs
spread over them from `--concurrency` clients at once. Writes
benchmarks/results/feed_bench-<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import httpx
import seeding
import skeleton
from bench_common import percentile
from ceilings import httpx_health, one_connection_clients
from skeleton import Benchmark, Run
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import (
    ApiToken,
    Booking,
    BookingStatus,
    Cohort,
    Course,
    CourseNeedArea,
    Hub,
    TrainingSession,
    User,
    Venue,
)

SESSIONS_PER_COHORT = 10


# --- seeding ---------------------------------------------------------------------------------


async def seed(db: AsyncSession, args: argparse.Namespace) -> tuple[str, list[str]]:
    """The hub's cohorts and sessions, then the teachers: (hub id, the teachers' tokens)."""
    now = seeding.now_s()
    hub, course = seeding.hub(now), seeding.course(now)
    venue = seeding.venue(now, hub["id"], accessibility=["lift", "hearing_loop"])
    trainer = seeding.trainer(now, hub["id"])
    place = {"hub_id": hub["id"], "trainer_id": trainer["id"], "venue_id": venue["id"]}
    # published_at stays empty, as it always has here: the figures compare with earlier runs.
    cohorts = [
        seeding.cohort(now, course_id=course["id"], **place, published_at=None)
        for _ in range(args.sessions // SESSIONS_PER_COHORT)
    ]
    sessions = [
        # Spread over the feed's 12-month window; overlaps do not matter to a feed.
        seeding.session(
            now, cohort, now + timedelta(hours=1 + (c * SESSIONS_PER_COHORT + s) * 1.7), hours=2
        )
        for c, cohort in enumerate(cohorts)
        for s in range(SESSIONS_PER_COHORT)
    ]
    teachers, tokens, bookings = seed_teachers(now, [c["id"] for c in cohorts], args)
    for model, rows in [
        (Hub, [hub]),
        (Course, [course]),
        (CourseNeedArea, [seeding.need_area(course["id"])]),
        (Venue, [venue]),
        (User, [trainer, *teachers]),
        (Cohort, cohorts),
        (TrainingSession, sessions),
        (ApiToken, [row for row, _ in tokens]),
        (Booking, bookings),
    ]:
        await seeding.insert_rows(db, model, rows)
    return hub["id"], [token for _, token in tokens]


def seed_teachers(
    now: datetime, cohort_ids: list[str], args: argparse.Namespace
) -> tuple[list[seeding.Row], list[tuple[seeding.Row, str]], list[seeding.Row]]:
    """Teachers with API tokens and confirmed seats on `--bookings-per-teacher` cohorts each
    (10 sessions a cohort, so each personal feed holds 10 x that many events)."""
    per_teacher = args.bookings_per_teacher
    teachers = [seeding.teacher(now, t) for t in range(args.teachers)]
    tokens = [seeding.api_token(now, t["id"]) for t in teachers]
    bookings = [
        {
            "cohort_id": cohort_ids[(t * per_teacher + k) % len(cohort_ids)],
            "teacher_id": teacher["id"],
            "status": BookingStatus.CONFIRMED,
            "confirmed_at": now,
            **seeding.stamped(now),
        }
        for t, teacher in enumerate(teachers)
        for k in range(per_teacher)
    ]
    return teachers, tokens, bookings


# --- over HTTP -------------------------------------------------------------------------------


def timed(
    client: httpx.Client, url: str, headers: dict[str, str] | None = None
) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = client.get(url, headers=headers or {})
    return (time.perf_counter() - started) * 1000, response


def hub_feed(base: str, hub_id: str, repeat: int) -> dict[str, Any]:
    """The first request renders; later ones find the render for the same data fingerprint."""
    with httpx.Client(timeout=60) as client:
        feed = f"{base}/feeds/hubs/{hub_id}.ics"
        cold_ms, first = timed(client, feed)
        warm = [timed(client, feed)[0] for _ in range(repeat)]
        etag = {"If-None-Match": first.headers["etag"]}
        not_modified = [timed(client, feed, etag) for _ in range(repeat)]
    assert all(r.status_code == 304 for _, r in not_modified)
    return {
        "sessions_in_feed": first.text.count("BEGIN:VEVENT"),
        "body_bytes": len(first.content),
        "cold_ms": round(cold_ms, 1),
        "warm_200_p50_ms": round(statistics.median(warm), 2),
        "not_modified_304_p50_ms": round(statistics.median(ms for ms, _ in not_modified), 2),
    }


async def teacher_feeds_under_load(
    base: str, tokens: list[str], concurrency: int, requests: int
) -> tuple[list[str], dict[str, float]]:
    """Every teacher's feed URL (from the API), then `requests` GETs spread over them from
    `concurrency` clients at once; each teacher's first fetch renders, later ones are warm."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        urls = []
        for token in tokens:
            response = await client.get(
                "/api/v1/me/feed", headers={"Authorization": f"Bearer {token}"}
            )
            urls.append(str(response.json()["https_url"]))
        queue: asyncio.Queue[str] = asyncio.Queue()
        for i in range(requests):
            queue.put_nowait(urls[i % len(urls)])
        times: list[float] = []
        errors = 0

        async def worker() -> None:
            nonlocal errors
            while not queue.empty():
                url = queue.get_nowait()
                started = time.perf_counter()
                response = await client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                errors += response.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return urls, {
        "teacher_feed_requests": requests,
        "teacher_feed_concurrency": concurrency,
        "teacher_feed_p50_ms": round(statistics.median(times), 2),
        "teacher_feed_p99_ms": round(percentile(times, 0.99), 2),
        "teacher_feed_per_second": round(requests / elapsed, 1),
        "teacher_feed_errors": errors,
    }


# --- the run ---------------------------------------------------------------------------------


async def polls_against_health(
    base: str, urls: list[str], seconds: float, concurrency: int
) -> dict[str, float]:
    """What a calendar app's poll costs: conditional GETs of the teachers' feeds (each with its
    current ETag, so every answer is a 304) from `concurrency` one-connection clients for
    `seconds`, then `GET /health` the same way: the ceiling, measured in the same run."""
    async with httpx.AsyncClient(timeout=60) as client:
        etags = [(await client.get(url)).headers["etag"] for url in urls]
    done = Counter[int]()

    async def worker(client: httpx.AsyncClient, offset: int, deadline: float) -> None:
        i = offset
        while time.perf_counter() < deadline:
            url, etag = urls[i % len(urls)], etags[i % len(urls)]
            done[(await client.get(url, headers={"If-None-Match": etag})).status_code] += 1
            i += concurrency

    async with one_connection_clients(base, concurrency) as pool:
        started = time.perf_counter()
        await asyncio.gather(*(worker(c, i, started + seconds) for i, c in enumerate(pool)))
        wall = time.perf_counter() - started
    health = await httpx_health(base, seconds, concurrency)
    polls = sum(done.values()) / wall
    return {
        "poll_304_per_second": round(polls, 1),
        "poll_not_304": sum(done.values()) - done[304],
        "health_per_second": round(health["requests_per_s"], 1),
        "poll_to_health": round(polls / health["requests_per_s"], 2),
    }


def measure(run: Run) -> dict[str, Any]:
    args = run.args
    hub_id, tokens = run.world
    with run.serve() as server:
        result = hub_feed(server.base, hub_id, args.repeat)
        load = teacher_feeds_under_load(
            server.base, tokens, args.concurrency, args.teacher_requests
        )
        urls, figures = asyncio.run(load)
        result |= figures
        result |= asyncio.run(
            polls_against_health(server.base, urls, args.rate_seconds, args.concurrency)
        )
    return result


def summary_line(result: dict[str, Any], args: argparse.Namespace) -> str:
    return (
        f"hub feed, {result['sessions_in_feed']} sessions, {result['body_bytes']} bytes: cold "
        f"{result['cold_ms']} ms, warm 200 p50 {result['warm_200_p50_ms']} ms, 304 p50 "
        f"{result['not_modified_304_p50_ms']} ms; teacher feeds, {args.concurrency} at once: "
        f"p50 {result['teacher_feed_p50_ms']} ms, p99 {result['teacher_feed_p99_ms']} ms, "
        f"{result['teacher_feed_per_second']}/s, {result['teacher_feed_errors']} errors; "
        f"304 polls {result['poll_304_per_second']}/s vs /health {result['health_per_second']}/s "
        f"(ratio {result['poll_to_health']}) ({result['database']})"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sessions", type=int, default=5000, help="in the hub feed")
    parser.add_argument("--repeat", type=int, default=50, help="warm 200s and 304s each")
    parser.add_argument(
        "--rate-seconds", type=float, default=5.0, help="for the 304 polls and for /health each"
    )
    parser.add_argument("--teachers", type=int, default=200)
    parser.add_argument("--bookings-per-teacher", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=32, help="teacher feed clients")
    parser.add_argument("--teacher-requests", type=int, default=2000)


BENCHMARK = Benchmark(
    name="feed_bench",
    doc=__doc__ or "",
    add_arguments=add_arguments,
    seed=seed,
    measure=measure,
    summary_line=summary_line,
    parameters=lambda args: {
        "sessions": args.sessions,
        "repeat": args.repeat,
        "teachers": args.teachers,
        "bookings_per_teacher": args.bookings_per_teacher,
    },
)

if __name__ == "__main__":
    skeleton.run(BENCHMARK)
