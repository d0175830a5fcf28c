"""Due reminders delivered by `booking serve` to a local aiosmtpd sink, against raw aiosmtplib.

    uv run python benchmarks/mail_bench.py [--database-url URL] [--mails 20000] [--cohorts 100]
        [--lead 10] [--raw-connections 4] [--timeout 1800] [--py-spy FILE]

Seeds a fresh database with `--mails` confirmed bookings, one teacher each, spread over
`--cohorts` cohorts whose one session starts later the same day, and one pending reminder row per
booking. Starts a counting SMTP sink in its own process (this script with the hidden --sink
option) and `booking serve` sending to it, then sets every reminder due `--lead` seconds ahead
and waits for the mails. Measures mails/s from the first arrival to the last, and each mail's
lateness (arrival minus its reminder's due time). Checks that every reminder arrived exactly once
and every row is recorded sent, then stops the server and sends the same stored messages again
with bare aiosmtplib (one connection, then several) to the same sink: the ceiling for the
transport. Writes benchmarks/results/mail_bench-<db>.json.
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
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import seeding
import skeleton
from aiosmtpd.smtp import SMTP
from bench_common import cpu_seconds, free_port, percentile
from ceilings import smtp_ceiling
from skeleton import Benchmark, Run
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booking.database import create_engine, create_sessionmaker
from booking.ids import new_id
from booking.models import (
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
from booking.ports import DeliveryStatus
from booking.settings import DatabaseSettings
from notifications.models import Delivery, Reminder, ReminderStatus

# The reminder comes due this long before its session, so the session is later the same day
# whenever the run happens, and a reminder is still worth sending (its session has not begun).
OFFSET = "PT2H"
OFFSET_DELTA = timedelta(hours=2)
# Placeholder due time while seeding and starting up; `arm` moves every row to now + lead.
NOT_YET = timedelta(days=1)
# Give up when no mail has arrived for this long after the first was due.
STALL_SECONDS = 120.0
Arrival = tuple[float, str, str]  # (arrival time, recipient, Message-ID)


# --- seeding ---------------------------------------------------------------------------------


def world_rows(now: datetime, mails: int, cohorts: int) -> dict[type[Any], list[seeding.Row]]:
    """Hub, course, and per cohort a venue, a trainer, the cohort (seats for its share of the
    bookings, all taken) and its one session."""
    hub, course = seeding.hub(now), seeding.course(now)
    seats = Counter(i % cohorts for i in range(mails))
    rows: dict[type[Any], list[seeding.Row]] = {
        Hub: [hub],
        Course: [course],
        CourseNeedArea: [seeding.need_area(course["id"])],
        Venue: [],
        User: [],
        Cohort: [],
        TrainingSession: [],
    }
    starts = now + NOT_YET + OFFSET_DELTA
    for i in range(cohorts):
        venue = seeding.venue(now, hub["id"], name=f"Room {i}", capacity=500)
        trainer = seeding.trainer(now, hub["id"], i)
        taken = max(1, seats[i])
        cohort = seeding.cohort(
            now,
            hub_id=hub["id"],
            course_id=course["id"],
            trainer_id=trainer["id"],
            venue_id=venue["id"],
            capacity=taken,
            confirmed_count=taken,
            reminder_offsets=[OFFSET],
        )
        rows[Venue].append(venue)
        rows[User].append(trainer)
        rows[Cohort].append(cohort)
        rows[TrainingSession].append(seeding.session(now, cohort, starts, hours=3))
    return rows


def booking_rows(
    now: datetime, mails: int, world: dict[type[Any], list[seeding.Row]]
) -> dict[type[Any], list[seeding.Row]]:
    """One teacher, one confirmed booking and one pending reminder per mail."""
    cohorts, sessions = world[Cohort], world[TrainingSession]
    teachers = [seeding.teacher(now, i) for i in range(mails)]
    bookings, reminders = [], []
    for i, teacher in enumerate(teachers):
        booking = {
            "id": new_id(),
            "cohort_id": cohorts[i % len(cohorts)]["id"],
            "teacher_id": teacher["id"],
            "status": BookingStatus.CONFIRMED,
            "confirmed_at": now,
            **seeding.stamped(now),
        }
        bookings.append(booking)
        reminders.append(
            {
                "id": new_id(),
                "booking_id": booking["id"],
                "session_id": sessions[i % len(cohorts)]["id"],
                "reminder_offset": OFFSET,
                "due_at": now + NOT_YET,
                "status": ReminderStatus.PENDING,
                "updated_at": now,
            }
        )
    return {User: teachers, Booking: bookings, Reminder: reminders}


async def seed(db: AsyncSession, args: argparse.Namespace) -> None:
    now = seeding.now_s()
    world = world_rows(now, args.mails, args.cohorts)
    people = booking_rows(now, args.mails, world)
    for model, rows in [*world.items(), *people.items()]:
        await seeding.insert_rows(db, model, rows)


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
        self.arrivals: list[Arrival] = []

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

    def take(self) -> list[Arrival]:
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


def arrival_rate(arrivals: list[Arrival]) -> float:
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
        client_seconds = asyncio.run(smtp_ceiling(sink.port, messages, count))
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


def delivery_phase(run: Run, sink: Sink) -> tuple[dict[str, Any], list[Arrival], datetime]:
    args = run.args
    env = {"BOOKING_SMTP_HOST": "127.0.0.1", "BOOKING_SMTP_PORT": str(sink.port)}
    with run.serve(env=env) as server:
        cpu_before = cpu_seconds(server.pid), cpu_seconds(sink.process.pid)
        due = asyncio.run(arm(run.url, args.lead))
        wait_for(sink, args.mails, due, args.timeout)
        server_cpu = cpu_seconds(server.pid) - cpu_before[0]
        sink_cpu = cpu_seconds(sink.process.pid) - cpu_before[1]
        # A late duplicate would come after the last expected mail: give it a moment.
        time.sleep(3)
        arrivals = sink.take()
    return {"server_cpu_s": server_cpu, "sink_cpu_s": sink_cpu}, arrivals, due


def delivery_figures(arrivals: list[Arrival], due: datetime, expected: int) -> dict[str, Any]:
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


def measure(run: Run) -> dict[str, Any]:
    args = run.args
    sink = Sink(run.workdir)
    try:
        server_figures, arrivals, due = delivery_phase(run, sink)
        result = {**server_figures, **delivery_figures(arrivals, due, args.mails)}
        outcome = asyncio.run(read_outcome(run.url))
        result |= {"deliveries": outcome["deliveries"], "reminders": outcome["reminders"]}
        result["raw"] = raw_phase(sink, outcome["messages"], [1, args.raw_connections])
    finally:
        sink.close()
    result["server_cpu_ms_per_mail"] = 1000 * result["server_cpu_s"] / max(1, result["arrived"])
    result["sink_cpu_ms_per_mail"] = 1000 * result["sink_cpu_s"] / max(1, result["arrived"])
    result["ratio_to_raw_1"] = result["mails_per_s"] / result["raw"]["1"]["mails_per_s"]
    result["problems"] = problems_of(result, args.mails)
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mails", type=int, default=20_000)
    parser.add_argument("--cohorts", type=int, default=100)
    parser.add_argument("--lead", type=float, default=10.0, help="seconds until the reminders")
    parser.add_argument("--raw-connections", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for mail")


BENCHMARK = Benchmark(
    name="mail_bench",
    doc=__doc__ or "",
    add_arguments=add_arguments,
    seed=seed,
    measure=measure,
    summary_line=summary_line,
    parameters=lambda args: {"mails": args.mails, "cohorts": args.cohorts, "lead_s": args.lead},
    helpers={"--sink": lambda argv: asyncio.run(run_sink(int(argv[0])))},
)

if __name__ == "__main__":
    skeleton.run(BENCHMARK)
