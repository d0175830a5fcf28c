"""Due reminders delivered by `booking serve` to a local aiosmtpd sink, against raw aiosmtplib.

    uv run python benchmarks/mail_bench.py [--database-url URL] [--mails 20000] [--cohorts 100]
        [--lead 10] [--raw-connections 4] [--py-spy FILE]

Seeds a fresh database (SQLite in a temp dir, or: drops and recreates the PostgreSQL database
named in --database-url) with `--mails` confirmed bookings, one teacher each, spread over
`--cohorts` cohorts whose one session starts later the same day, and one pending reminder row per
booking. Starts a counting SMTP sink in its own process (this script with the hidden --sink
option) and `booking serve` sending to it, then sets every reminder due `--lead` seconds ahead
and waits for the mails. Measures mails/s from the first arrival to the last, and each mail's
lateness (arrival minus its reminder's due time). Checks that every reminder arrived exactly once
and every row is recorded sent, then stops the server and sends the same stored messages again
with bare aiosmtplib (one connection, then several) to the same sink: the ceiling for the
transport. Prints one summary line and writes JSON to benchmarks/results/mail_bench-<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
from aiosmtpd.smtp import SMTP
from bench_common import (
    RESULTS,
    cpu_seconds,
    database_name,
    free_port,
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
from sqlalchemy import func, insert, select, update

from booking.database import create_engine, create_sessionmaker
from booking.ids import new_id
from booking.migrate import upgrade
from booking.models import (
    Booking,
    BookingStatus,
    Cohort,
    CohortStatus,
    Course,
    CourseNeedArea,
    Delivery,
    DeliveryStatus,
    Hub,
    NeedArea,
    Reminder,
    ReminderStatus,
    Role,
    SessionStatus,
    TrainingSession,
    User,
    Venue,
    WaitlistMode,
)
from booking.settings import DatabaseSettings

# The reminder comes due this long before its session, so the session is later the same day
# whenever the run happens, and a reminder is still worth sending (its session has not begun).
OFFSET = "PT2H"
OFFSET_DELTA = timedelta(hours=2)
# Placeholder due time while seeding and starting up; `arm` moves every row to now + lead.
NOT_YET = timedelta(days=1)
# Give up when no mail has arrived for this long after the first was due.
STALL_SECONDS = 120.0


# --- seeding ---------------------------------------------------------------------------------


def _world_rows(now: datetime, cohorts: int) -> dict[str, list[dict[str, Any]]]:
    """Hub, course, and per cohort a venue, a trainer, the cohort and its one session."""
    hub_id, course_id = new_id(), new_id()
    rows: dict[str, list[dict[str, Any]]] = {
        "hub": [
            {
                "id": hub_id,
                "name": "Bench Hub",
                "region": "North West",
                "contact_email": "hub@bench.example",
                **stamped(now),
            }
        ],
        "course": [
            {
                "id": course_id,
                "title": "Bench course",
                "summary": "s",
                "audience": ["teacher"],
                **stamped(now),
            }
        ],
        "venue": [],
        "trainer": [],
        "cohort": [],
        "session": [],
    }
    starts = now + NOT_YET + OFFSET_DELTA
    for i in range(cohorts):
        venue_id, trainer_id, cohort_id = new_id(), new_id(), new_id()
        rows["venue"].append(
            {
                "id": venue_id,
                "hub_id": hub_id,
                "name": f"Room {i}",
                "address": "1 Street\nTown",
                "postcode": "M1 1AE",
                "capacity": 500,
                "timezone": "Europe/London",
                "accessibility": ["lift"],
                **stamped(now),
            }
        )
        rows["trainer"].append(
            {
                "id": trainer_id,
                "email": f"trainer{i}@bench.example",
                "name": f"Trainer {i}",
                "role": Role.TRAINER,
                "hub_id": hub_id,
                **stamped(now),
            }
        )
        rows["cohort"].append(
            {
                "id": cohort_id,
                "hub_id": hub_id,
                "course_id": course_id,
                "trainer_id": trainer_id,
                "venue_id": venue_id,
                "status": CohortStatus.PUBLISHED,
                "capacity": 1,  # set to the number of bookings in seed()
                "waitlist_mode": WaitlistMode.AUTO,
                "offer_ttl": "PT48H",
                "promotion_cutoff": "PT24H",
                "reminder_offsets": [OFFSET],
                "published_at": now,
                **stamped(now),
            }
        )
        rows["session"].append(
            {
                "id": new_id(),
                "cohort_id": cohort_id,
                "venue_id": venue_id,
                "trainer_id": trainer_id,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=3),
                "status": SessionStatus.SCHEDULED,
                "sequence": 0,
                "uid": str(uuid.uuid4()),
                **stamped(now),
            }
        )
    return rows


def _booking_rows(
    now: datetime, mails: int, world: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """One teacher, one confirmed booking and one pending reminder per mail."""
    cohorts, sessions = world["cohort"], world["session"]
    teachers, bookings, reminders = [], [], []
    for i in range(mails):
        teacher_id, booking_id = new_id(), new_id()
        c = i % len(cohorts)
        teachers.append(
            {
                "id": teacher_id,
                "email": f"teacher{i}@bench.example",
                "name": f"Teacher {i}",
                "role": Role.TEACHER,
                **stamped(now),
            }
        )
        bookings.append(
            {
                "id": booking_id,
                "cohort_id": cohorts[c]["id"],
                "teacher_id": teacher_id,
                "status": BookingStatus.CONFIRMED,
                "confirmed_at": now,
                **stamped(now),
            }
        )
        reminders.append(
            {
                "id": new_id(),
                "booking_id": booking_id,
                "session_id": sessions[c]["id"],
                "reminder_offset": OFFSET,
                "due_at": now + NOT_YET,
                "status": ReminderStatus.PENDING,
                "updated_at": now,
            }
        )
    return {"teacher": teachers, "booking": bookings, "reminder": reminders}


async def seed(url: str, mails: int, cohorts: int) -> None:
    engine = create_engine(DatabaseSettings(url=url), enforce_foreign_keys=False)
    await upgrade(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    world = _world_rows(now, cohorts)
    seats = Counter(i % cohorts for i in range(mails))
    for c, cohort in enumerate(world["cohort"]):
        cohort["capacity"] = cohort["confirmed_count"] = max(1, seats[c])
    people = _booking_rows(now, mails, world)
    models: list[tuple[type[Any], list[dict[str, Any]]]] = [
        (Hub, world["hub"]),
        (Course, world["course"]),
        (Venue, world["venue"]),
        (User, world["trainer"]),
        (Cohort, world["cohort"]),
        (TrainingSession, world["session"]),
        (User, people["teacher"]),
        (Booking, people["booking"]),
        (Reminder, people["reminder"]),
    ]
    async with create_sessionmaker(engine)() as db, db.begin():
        for model, rows in models:
            for start in range(0, len(rows), 2000):
                await db.execute(insert(model), rows[start : start + 2000])
        await db.execute(
            insert(CourseNeedArea),
            [{"course_id": world["course"][0]["id"], "need_area": NeedArea.SENSORY_AND_PHYSICAL}],
        )
    await engine.dispose()


async def arm(url: str, lead: float) -> datetime:
    """Every reminder due `lead` seconds from now, each session OFFSET after that."""
    due = datetime.now(UTC) + timedelta(seconds=lead)
    engine = create_engine(DatabaseSettings(url=url, pool_size=1))
    try:
        async with create_sessionmaker(engine)() as db, db.begin():
            await db.execute(update(Reminder).values(due_at=due))
            starts = due + OFFSET_DELTA
            await db.execute(
                update(TrainingSession).values(
                    starts_at=starts, ends_at=starts + timedelta(hours=3)
                )
            )
    finally:
        await engine.dispose()
    return due


async def read_outcome(url: str) -> dict[str, Any]:
    """Row counts by status, and the stored messages (for the raw send)."""
    engine = create_engine(DatabaseSettings(url=url, pool_size=1))
    try:
        async with create_sessionmaker(engine)() as db:
            deliveries = {
                status.value: n
                for status, n in await db.execute(
                    select(Delivery.status, func.count()).group_by(Delivery.status)
                )
            }
            reminders = {
                status.value: n
                for status, n in await db.execute(
                    select(Reminder.status, func.count()).group_by(Reminder.status)
                )
            }
            messages = list(
                await db.scalars(
                    select(Delivery.message)
                    .where(Delivery.status == DeliveryStatus.SENT)
                    .order_by(Delivery.id)
                )
            )
    finally:
        await engine.dispose()
    return {"deliveries": deliveries, "reminders": reminders, "messages": messages}


# --- the sink (its own process) --------------------------------------------------------------

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


class CountingHandler:
    """Accepts everything; keeps (arrival time, recipient, Message-ID) per message."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str, str]] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802, ANN401 - aiosmtpd hook
        head = envelope.content.split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(head)
        message_id = found.group(1).decode() if found else ""
        self.arrivals.append((time.time(), envelope.rcpt_tos[0], message_id))
        return "250 2.0.0 Queued"


async def run_sink(port: int) -> None:
    """SMTP on 127.0.0.1:port; commands on stdin: `count`, `take FILE` (write and forget the
    arrivals so far), `quit`. Each gets one line on stdout."""
    handler = CountingHandler()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="bench-sink", ident="bench sink"), "127.0.0.1", port
    )
    print("ready", flush=True)
    while True:
        command = (await asyncio.to_thread(sys.stdin.readline)).split()
        if not command or command[0] == "quit":
            break
        if command[0] == "count":
            print(len(handler.arrivals), flush=True)
        elif command[0] == "take":
            taken, handler.arrivals = handler.arrivals, []
            await asyncio.to_thread(Path(command[1]).write_text, json.dumps(taken))
            print(len(taken), flush=True)
    server.close()
    await server.wait_closed()


class Sink:
    """The sink process, seen from the benchmark."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self._taken = 0
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--sink", str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._readline() != "ready":
            raise SystemExit("the SMTP sink did not start")

    def _readline(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def _ask(self, command: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._readline()

    def count(self) -> int:
        return int(self._ask("count"))

    def take(self) -> list[tuple[float, str, str]]:
        self._taken += 1
        path = self.workdir / f"arrivals-{self._taken}.json"
        self._ask(f"take {path}")
        return [tuple(a) for a in json.loads(path.read_text())]

    def close(self) -> None:
        self._ask("quit")
        self.process.wait(timeout=30)


def wait_for(sink: Sink, expected: int, due: datetime, timeout: float) -> None:
    """Until `expected` mails arrived, none came for STALL_SECONDS after due, or timeout."""
    deadline = time.monotonic() + timeout
    last, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = sink.count()
        if count >= expected:
            return
        if count != last:
            last, last_change = count, time.monotonic()
        elif datetime.now(UTC) > due and time.monotonic() - last_change > STALL_SECONDS:
            print(f"stalled at {count} of {expected} mails", file=sys.stderr)
            return
        time.sleep(0.5)
    print(f"timed out with {last} of {expected} mails", file=sys.stderr)


# --- raw aiosmtplib --------------------------------------------------------------------------


async def raw_send(port: int, messages: list[EmailMessage], connections: int) -> float:
    """All messages over `connections` concurrent SMTP connections; seconds taken (client)."""
    pending = iter(messages)

    async def sender() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, timeout=60)
        await client.connect()
        for message in pending:
            await client.send_message(message)
        await client.quit()

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(connections)))
    return time.perf_counter() - started


def arrival_rate(arrivals: list[tuple[float, str, str]]) -> float:
    """Mails per second from the first arrival to the last."""
    times = [a[0] for a in arrivals]
    span = max(times) - min(times) if len(times) > 1 else 0.0
    return (len(times) - 1) / span if span > 0 else float("nan")


def raw_phase(sink: Sink, raw_messages: list[bytes], connections: list[int]) -> dict[str, Any]:
    # Parsed beforehand, as the service parses each stored message before sending it.
    messages: list[Any] = [
        email.message_from_bytes(data, policy=email.policy.SMTP) for data in raw_messages
    ]
    results: dict[str, Any] = {}
    for count in connections:
        sink_cpu = cpu_seconds(sink.process.pid)
        client_seconds = asyncio.run(raw_send(sink.port, messages, count))
        arrivals = sink.take()
        sink_cpu = cpu_seconds(sink.process.pid) - sink_cpu
        results[str(count)] = {
            "mails_per_s": arrival_rate(arrivals),
            "sink_cpu_ms_per_mail": 1000 * sink_cpu / max(1, len(arrivals)),
            "client_mails_per_s": len(messages) / client_seconds,
            "arrived": len(arrivals),
            "distinct": len({a[2] for a in arrivals}),
        }
    return results


# --- the run ---------------------------------------------------------------------------------


def delivery_phase(
    url: str, workdir: Path, sink: Sink, args: argparse.Namespace
) -> tuple[dict[str, Any], list[tuple[float, str, str]], datetime]:
    env = {"BOOKING_SMTP_HOST": "127.0.0.1", "BOOKING_SMTP_PORT": str(sink.port)}
    server, _ = start_server(url, workdir, env=env)
    try:
        cpu_before = cpu_seconds(server.pid), cpu_seconds(sink.process.pid)
        with py_spy(server.pid, args.py_spy):
            due = asyncio.run(arm(url, args.lead))
            wait_for(sink, args.mails, due, args.timeout)
        server_cpu = cpu_seconds(server.pid) - cpu_before[0]
        sink_cpu = cpu_seconds(sink.process.pid) - cpu_before[1]
        # A late duplicate would come after the last expected mail: give it a moment.
        time.sleep(3)
        arrivals = sink.take()
    finally:
        stop_server(server)
    return {"server_cpu_s": server_cpu, "sink_cpu_s": sink_cpu}, arrivals, due


def delivery_figures(
    arrivals: list[tuple[float, str, str]], due: datetime, expected: int
) -> dict[str, Any]:
    lateness = [a[0] - due.timestamp() for a in arrivals]
    ids = Counter(a[2] for a in arrivals)
    recipients = {a[1] for a in arrivals}
    wanted = {f"teacher{i}@bench.example" for i in range(expected)}
    return {
        "arrived": len(arrivals),
        "distinct_message_ids": len(ids),
        "repeated_message_ids": sum(1 for n in ids.values() if n > 1),
        "missing_recipients": len(wanted - recipients),
        "mails_per_s": arrival_rate(arrivals),
        "first_to_last_s": (max(lateness) - min(lateness)) if lateness else None,
        "lateness_first_s": min(lateness) if lateness else None,
        "lateness_p50_s": statistics.median(lateness) if lateness else None,
        "lateness_p99_s": percentile(lateness, 0.99),
        "lateness_max_s": max(lateness) if lateness else None,
        "early": sum(1 for x in lateness if x < 0),
    }


def problems_of(result: dict[str, Any], expected: int) -> list[str]:
    problems = []
    if result["arrived"] != expected or result["distinct_message_ids"] != expected:
        problems.append(
            f"{result['arrived']} arrivals, {result['distinct_message_ids']} distinct, "
            f"expected {expected}"
        )
    if result["missing_recipients"]:
        problems.append(f"{result['missing_recipients']} teachers got no reminder")
    if result["early"]:
        problems.append(f"{result['early']} mails before their due time")
    if result["deliveries"] != {"sent": expected}:
        problems.append(f"delivery rows {result['deliveries']}")
    if result["reminders"] != {"queued": expected}:
        problems.append(f"reminder rows {result['reminders']}")
    for count, raw in result["raw"].items():
        if raw["arrived"] != expected or raw["distinct"] != expected:
            problems.append(f"raw x{count}: {raw['arrived']} arrivals, {raw['distinct']} distinct")
    return problems


def measure(url: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    if url.startswith("postgresql"):
        asyncio.run(recreate_postgres(url))
    started = time.perf_counter()
    asyncio.run(seed(url, args.mails, args.cohorts))
    seed_s = time.perf_counter() - started
    sink = Sink(workdir)
    try:
        server_figures, arrivals, due = delivery_phase(url, workdir, sink, args)
        result = {"seed_s": seed_s, **server_figures, **delivery_figures(arrivals, due, args.mails)}
        outcome = asyncio.run(read_outcome(url))
        result |= {"deliveries": outcome["deliveries"], "reminders": outcome["reminders"]}
        result["raw"] = raw_phase(sink, outcome["messages"], [1, args.raw_connections])
    finally:
        sink.close()
    result["server_cpu_ms_per_mail"] = 1000 * result["server_cpu_s"] / max(1, result["arrived"])
    result["sink_cpu_ms_per_mail"] = 1000 * result["sink_cpu_s"] / max(1, result["arrived"])
    result["ratio_to_raw_1"] = result["mails_per_s"] / result["raw"]["1"]["mails_per_s"]
    result["problems"] = problems_of(result, args.mails)
    result["postgres_version"] = asyncio.run(postgres_version(url))
    return result


def summary_line(result: dict[str, Any], args: argparse.Namespace) -> str:
    raw1, rawn = result["raw"]["1"], result["raw"][str(args.raw_connections)]
    problems = result["problems"]
    verdict = (
        f"{result['distinct_message_ids']} distinct arrivals, all rows sent"
        if not problems
        else "PROBLEMS: " + "; ".join(problems[:3])
    )
    return (
        f"mail, {args.mails} due reminders, {result['database']}: {result['mails_per_s']:.0f} "
        f"mails/s over {result['first_to_last_s']:.1f} s, lateness p50 "
        f"{result['lateness_p50_s']:.1f} s p99 {result['lateness_p99_s']:.1f} s max "
        f"{result['lateness_max_s']:.1f} s (first {result['lateness_first_s']:.2f} s), server "
        f"{result['server_cpu_ms_per_mail']:.1f} ms CPU/mail (sink "
        f"{result['sink_cpu_ms_per_mail']:.1f}); raw aiosmtplib {raw1['mails_per_s']:.0f}/s on 1 "
        f"connection (sink {raw1['sink_cpu_ms_per_mail']:.1f} ms CPU/mail), "
        f"{rawn['mails_per_s']:.0f}/s on {args.raw_connections} (service/raw "
        f"{result['ratio_to_raw_1']:.2f}); {verdict}"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--mails", type=int, default=20_000)
    parser.add_argument("--cohorts", type=int, default=100)
    parser.add_argument("--lead", type=float, default=10.0, help="seconds until the reminders")
    parser.add_argument("--raw-connections", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument(
        "--py-spy", type=Path, default=None, help="sample the server with py-spy into this file"
    )
    parser.add_argument("--sink", type=int, metavar="PORT", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.sink:
        asyncio.run(run_sink(args.sink))
        return
    workdir = Path(tempfile.mkdtemp(prefix="mail-bench-"))
    url = args.database_url or sqlite_url(workdir)
    database = database_name(url)
    result = {"database": database, **measure(url, workdir, args)}
    result |= {
        "mails": args.mails,
        "cohorts": args.cohorts,
        "lead_s": args.lead,
        "machine": machine(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"mail_bench-{database}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(summary_line(result, args))


if __name__ == "__main__":
    main()
