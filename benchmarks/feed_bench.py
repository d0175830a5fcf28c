"""Feeds over real HTTP: a hub feed of 5,000 sessions (cold render, warm 200, 304) and teachers'
personal feeds under concurrent load.

    uv run python benchmarks/feed_bench.py [--sessions 5000] [--repeat 50] [--database-url URL]
        [--teachers 200] [--bookings-per-teacher 5] [--concurrency 32] [--teacher-requests 2000]

Seeds a fresh database (SQLite in a temp dir unless --database-url names an empty PostgreSQL
database), starts `booking serve` on a free port, and times requests from this process.
Prints one summary line and writes JSON to benchmarks/results/feed_bench.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from bench_common import free_port
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.database import create_engine, create_sessionmaker
from booking.migrate import upgrade
from booking.models import (
    ApiToken,
    Booking,
    BookingStatus,
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

ROOT = Path(__file__).resolve().parent.parent
SESSIONS_PER_COHORT = 10


async def seed(url: str, sessions: int, teachers: int, per_teacher: int) -> tuple[str, list[str]]:
    engine = create_engine(DatabaseSettings(url=url), enforce_foreign_keys=False)
    await upgrade(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    async with create_sessionmaker(engine)() as db, db.begin():
        hub = Hub(
            name="Bench Hub",
            region="North West",
            contact_email="hub@bench.example",
            created_at=now,
            updated_at=now,
        )
        db.add(hub)
        await db.flush()
        course = Course(
            title="Bench course",
            summary="s",
            audience=["teacher"],
            created_at=now,
            updated_at=now,
            need_area_rows=[CourseNeedArea(need_area=NeedArea.SENSORY_AND_PHYSICAL)],
        )
        venue = Venue(
            hub_id=hub.id,
            name="Room",
            address="1 Street\nTown",
            postcode="M1 1AE",
            capacity=30,
            timezone="Europe/London",
            accessibility=["lift", "hearing_loop"],
            created_at=now,
            updated_at=now,
        )
        trainer = User(
            email="trainer@bench.example",
            name="Trainer",
            role=Role.TRAINER,
            hub_id=hub.id,
            created_at=now,
            updated_at=now,
        )
        db.add_all([course, venue, trainer])
        await db.flush()
        for c in range(sessions // SESSIONS_PER_COHORT):
            cohort = Cohort(
                hub_id=hub.id,
                course_id=course.id,
                trainer_id=trainer.id,
                venue_id=venue.id,
                status=CohortStatus.PUBLISHED,
                capacity=20,
                waitlist_mode=WaitlistMode.AUTO,
                offer_ttl="PT48H",
                promotion_cutoff="PT24H",
                reminder_offsets=["P1D"],
                created_at=now,
                updated_at=now,
            )
            db.add(cohort)
            await db.flush()
            for s in range(SESSIONS_PER_COHORT):
                # Spread over the feed's 12-month window; overlaps do not matter to a feed.
                start = now + timedelta(hours=1 + (c * SESSIONS_PER_COHORT + s) * 1.7)
                db.add(
                    TrainingSession(
                        cohort_id=cohort.id,
                        venue_id=venue.id,
                        trainer_id=trainer.id,
                        starts_at=start,
                        ends_at=start + timedelta(hours=2),
                        status=SessionStatus.SCHEDULED,
                        sequence=0,
                        uid=str(uuid.uuid4()),
                        created_at=now,
                        updated_at=now,
                    )
                )
        hub_id = hub.id
        tokens = await seed_teachers(db, now, teachers, per_teacher)
    await engine.dispose()
    return hub_id, tokens


async def seed_teachers(
    db: AsyncSession, now: datetime, teachers: int, per_teacher: int
) -> list[str]:
    """Teachers with API tokens and confirmed seats on `per_teacher` cohorts each (10 sessions
    a cohort, so each personal feed holds 10 x per_teacher events)."""
    cohort_ids = list(await db.scalars(select(Cohort.id).order_by(Cohort.id)))
    tokens = []
    for t in range(teachers):
        teacher = User(
            email=f"teacher{t}@bench.example",
            name=f"Teacher {t}",
            role=Role.TEACHER,
            created_at=now,
            updated_at=now,
        )
        db.add(teacher)
        await db.flush()
        token = secrets.token_urlsafe(32)
        tokens.append(token)
        db.add(ApiToken(user_id=teacher.id, token_hash=hash_token(token), created_at=now))
        for k in range(per_teacher):
            db.add(
                Booking(
                    cohort_id=cohort_ids[(t * per_teacher + k) % len(cohort_ids)],
                    teacher_id=teacher.id,
                    status=BookingStatus.CONFIRMED,
                    confirmed_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
    return tokens


async def teacher_feeds_under_load(
    base: str, tokens: list[str], concurrency: int, requests: int
) -> dict[str, float]:
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
    times.sort()
    return {
        "teacher_feed_requests": requests,
        "teacher_feed_concurrency": concurrency,
        "teacher_feed_p50_ms": round(statistics.median(times), 2),
        "teacher_feed_p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
        "teacher_feed_per_second": round(requests / elapsed, 1),
        "teacher_feed_errors": errors,
    }


def timed(
    client: httpx.Client, url: str, headers: dict[str, str] | None = None
) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = client.get(url, headers=headers or {})
    return (time.perf_counter() - started) * 1000, response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--teachers", type=int, default=200)
    parser.add_argument("--bookings-per-teacher", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--teacher-requests", type=int, default=2000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="feed-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    hub_id, tokens = asyncio.run(seed(url, args.sessions, args.teachers, args.bookings_per_teacher))
    port = free_port()
    env = {
        **os.environ,
        "BOOKING_DATABASE_URL": url,
        "BOOKING_MAIL_DIR": str(workdir / "mail"),
        "BOOKING_SECRET_KEY": "bench-" + "k" * 40,
        # Feed URLs are made under the base URL: it must be this server's.
        "BOOKING_BASE_URL": f"http://127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "booking.cli", "serve", "--port", str(port)],
        env=env,
        stdout=(workdir / "serve.log").open("wb"),
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(timeout=60) as client:
            for _ in range(200):
                try:
                    if client.get(f"{base}/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            feed = f"{base}/feeds/hubs/{hub_id}.ics"
            cold_ms, first = timed(client, feed)
            events = first.text.count("BEGIN:VEVENT")
            warm = [timed(client, feed)[0] for _ in range(args.repeat)]
            etag = {"If-None-Match": first.headers["etag"]}
            not_modified = [timed(client, feed, etag) for _ in range(args.repeat)]
            assert all(r.status_code == 304 for _, r in not_modified)
        teacher = asyncio.run(
            teacher_feeds_under_load(base, tokens, args.concurrency, args.teacher_requests)
        )
    finally:
        server.terminate()
        server.wait(timeout=15)
    result = {
        "sessions_in_feed": events,
        "body_bytes": len(first.content),
        "cold_ms": round(cold_ms, 1),
        "warm_200_p50_ms": round(statistics.median(warm), 2),
        "not_modified_304_p50_ms": round(statistics.median(ms for ms, _ in not_modified), 2),
        **teacher,
        "database": url.split(":", 1)[0],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "feed_bench.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"hub feed, {events} sessions, {result['body_bytes']} bytes: cold {result['cold_ms']} ms, "
        f"warm 200 p50 {result['warm_200_p50_ms']} ms, 304 p50 {result['not_modified_304_p50_ms']} ms; "
        f"teacher feeds, {args.concurrency} at once: p50 {result['teacher_feed_p50_ms']} ms, "
        f"p99 {result['teacher_feed_p99_ms']} ms, {result['teacher_feed_per_second']}/s, "
        f"{result['teacher_feed_errors']} errors ({result['database']})"
    )


if __name__ == "__main__":
    main()
