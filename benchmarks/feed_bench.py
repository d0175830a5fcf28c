"""Hub feed with 5,000 sessions over real HTTP: cold render, warm 200, and 304.

    uv run python benchmarks/feed_bench.py [--sessions 5000] [--repeat 50] [--database-url URL]

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
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from booking.database import create_engine, create_sessionmaker
from booking.migrate import upgrade
from booking.models import (
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
from booking.settings import DatabaseSettings

ROOT = Path(__file__).resolve().parent.parent
SESSIONS_PER_COHORT = 10


async def seed(url: str, sessions: int) -> str:
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
    await engine.dispose()
    return hub_id


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
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="feed-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    hub_id = asyncio.run(seed(url, args.sessions))
    port = 8765
    env = {
        **os.environ,
        "BOOKING_DATABASE_URL": url,
        "BOOKING_MAIL_DIR": str(workdir / "mail"),
        "BOOKING_SECRET_KEY": "bench-" + "k" * 40,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "booking.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
    finally:
        server.terminate()
        server.wait(timeout=15)
    result = {
        "sessions_in_feed": events,
        "body_bytes": len(first.content),
        "cold_ms": round(cold_ms, 1),
        "warm_200_p50_ms": round(statistics.median(warm), 2),
        "not_modified_304_p50_ms": round(statistics.median(ms for ms, _ in not_modified), 2),
        "database": url.split(":", 1)[0],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "feed_bench.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"hub feed, {events} sessions, {result['body_bytes']} bytes: cold {result['cold_ms']} ms, "
        f"warm 200 p50 {result['warm_200_p50_ms']} ms, 304 p50 {result['not_modified_304_p50_ms']} ms "
        f"({result['database']})"
    )


if __name__ == "__main__":
    main()
