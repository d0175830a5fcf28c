"""Timetable uploads over real HTTP: a 1 MiB calendar of ~7,800 lessons, and what the rest of the
service feels while it is read.

    uv run python benchmarks/upload_bench.py [--database-url URL] [--uploads 5] [--events 7800]
        [--probes 2] [--py-spy FILE]

Seeds one teacher with an API token. Starts `booking serve`, measures `/health` alone for a few
seconds (the baseline), then uploads the calendar `--uploads` times one after another while
`--probes` clients ask `/health` back to back the whole time. Reports each upload's time and
`/health`'s latency (p50, p99, max) before and during the uploads, then reads the teacher's
timetable and busy times once more to show they answer from stored entries. Writes
benchmarks/results/upload_bench-<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
import seeding
import skeleton
from bench_common import percentile
from skeleton import Benchmark, Run
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import ApiToken, User

BASELINE_SECONDS = 3.0


def calendar(events: int, first: datetime) -> bytes:
    """`events` one-off 50-minute lessons, 24 a day from `first`, each its own event."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    for i in range(events):
        start = first + timedelta(days=i // 24, hours=i % 24)
        lines += [
            "BEGIN:VEVENT",
            f"UID:l{i}",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{start + timedelta(minutes=50):%Y%m%dT%H%M%SZ}",
            "SUMMARY:Y9 maths",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


async def seed(db: AsyncSession, _args: argparse.Namespace) -> str:
    now = seeding.now_s()
    teacher = seeding.teacher(now, "uploader")
    token_row, token = seeding.api_token(now, teacher["id"])
    await seeding.insert_rows(db, User, [teacher])
    await seeding.insert_rows(db, ApiToken, [token_row])
    return token


async def probe(base: str, until: asyncio.Event, into: list[float]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while not until.is_set():
            asked = time.perf_counter()
            response = await client.get("/health")
            into.append(time.perf_counter() - asked)
            assert response.status_code == 200


def latencies(samples: list[float]) -> dict[str, float]:
    return {
        "requests": len(samples),
        "p50_ms": round(percentile(samples, 0.5) * 1000, 2),
        "p99_ms": round(percentile(samples, 0.99) * 1000, 2),
        "max_ms": round(max(samples) * 1000, 2),
    }


async def load(base: str, token: str, args: argparse.Namespace) -> dict[str, Any]:
    data = calendar(args.events, datetime.now().astimezone() + timedelta(days=1))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/calendar"}
    stop, alone = asyncio.Event(), []
    probes = [asyncio.create_task(probe(base, stop, alone)) for _ in range(args.probes)]
    await asyncio.sleep(BASELINE_SECONDS)
    stop.set()
    await asyncio.gather(*probes)
    stop, during = asyncio.Event(), []
    probes = [asyncio.create_task(probe(base, stop, during)) for _ in range(args.probes)]
    uploads = []
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for _ in range(args.uploads):
            started = time.perf_counter()
            response = await client.put("/api/v1/me/timetable", content=data, headers=headers)
            uploads.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
        stop.set()
        await asyncio.gather(*probes)
        summary = (await client.get("/api/v1/me/timetable", headers=headers)).json()
        started = time.perf_counter()
        busy = await client.get(
            "/api/v1/me/busy",
            params={
                "from": datetime.now().astimezone().isoformat(),
                "to": (datetime.now().astimezone() + timedelta(days=30)).isoformat(),
            },
            headers=headers,
        )
        busy_s = time.perf_counter() - started
    return {
        "bytes": len(data),
        "events": args.events,
        "entries": summary["entries"],
        "upload_s": [round(u, 2) for u in uploads],
        "health_alone": latencies(alone),
        "health_during_uploads": latencies(during),
        "busy_30_days_ms": round(busy_s * 1000, 1),
        "busy_items": len(busy.json()["items"]),
    }


def measure(run: Run) -> dict[str, Any]:
    with run.serve() as served:
        return asyncio.run(load(served.base, run.world, run.args))


def summary_line(result: dict[str, Any], args: argparse.Namespace) -> str:
    alone, during = result["health_alone"], result["health_during_uploads"]
    uploads = result["upload_s"]
    return (
        f"timetable upload, {result['bytes'] / 1024:.0f} KiB, {result['events']} events "
        f"({result['entries']} kept), {result['database']}: {args.uploads} uploads "
        f"{min(uploads):.2f}-{max(uploads):.2f} s; /health alone p99 {alone['p99_ms']} ms, "
        f"during uploads p50 {during['p50_ms']} p99 {during['p99_ms']} max {during['max_ms']} ms; "
        f"busy (30 days) {result['busy_30_days_ms']} ms"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--events", type=int, default=7800, help="about 1 MiB at 7,800")
    parser.add_argument("--probes", type=int, default=2, help="/health clients during uploads")


BENCHMARK = Benchmark(
    name="upload_bench",
    doc=__doc__ or "",
    seed=seed,
    measure=measure,
    summary_line=summary_line,
    add_arguments=add_arguments,
    parameters=lambda args: {"uploads": args.uploads, "probes": args.probes},
)

if __name__ == "__main__":
    skeleton.run(BENCHMARK)
