"""Exactly-once mail (docs/contract.md, Email) from real `booking serve` processes to a real SMTP
server.

Nothing is faked: the processes are the CLI, the database is a file or a PostgreSQL server,
and the SMTP server is aiosmtpd in a thread of the test (tests.support.smtp_sink), which
records each message it accepts and which process sent it.

1. A process is SIGKILLed while the SMTP server has accepted a mail but not yet replied, i.e.
   between acceptance and the `sent` commit; a new process takes over on the same database.
   Every mail arrives, and the one in flight, only it, arrives twice (same bytes).
2. Three processes on one PostgreSQL send 300 queued mails and the mails of a real booking
   rush side by side: each exactly once, and the work really was shared between them.

What fails them (checked by breaking a copy of notifications/deliveries.py): recording `sent`
before the SMTP send (1: the control sees 30 rows sent, not 29); claiming without the lease
condition (2: hundreds of repeats). Not caught: dropping FOR UPDATE SKIP LOCKED alone, since
two processes then collide only when their few-millisecond claim transactions overlap.
"""

from __future__ import annotations

import asyncio
import email.policy
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.database import create_engine, create_sessionmaker
from booking.models import OutboxEvent
from booking.ports import DeliveryStatus
from booking.settings import DatabaseSettings
from notifications.messages import new_message
from notifications.models import Delivery
from tests.support.engine import published_cohort
from tests.support.postgres import drop_database, recreate_database, require_postgres
from tests.support.processes import booking_env, free_port, run_booking, start_booking, stop
from tests.support.processes import wait_ready as wait_ready_sync
from tests.support.race import (
    Response,
    assert_no_server_errors,
    book,
    build_world_as,
    emails,
    outcomes,
    race,
)
from tests.support.smtp_sink import Received, SmtpSink, sign_in_teachers_over_smtp

KILL_MAILS = 120
# The sink holds the reply to this mail: the process is killed with it accepted, not recorded.
HOLD_AT = 30
SHARED_MAILS = 300
PROCESSES = 3
TEACHERS = 30
CAPACITY = 10
WHOLE_TEST_TIMEOUT = 90
SETTLE_TIMEOUT = 45
SECRET_KEY = "mail-processes-test-key-" + "x" * 24


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
async def served_database(request, tmp_path) -> AsyncIterator[str]:
    """A fresh, empty database for served processes: a SQLite file, or a new PG database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'booking.db'}"
        return
    server = await require_postgres()
    url = server.rsplit("/", 1)[0] + f"/booking_mail_kill_{uuid.uuid4().hex[:8]}"
    await recreate_database(url)
    try:
        yield url
    finally:
        await drop_database(url)


def serve_env(url: str, sink: SmtpSink, tmp_path: Path, **extra: str) -> dict[str, str]:
    return booking_env(
        BOOKING_DATABASE_URL=url,
        BOOKING_DATABASE_POOL_SIZE="4",
        BOOKING_SMTP_HOST="127.0.0.1",
        BOOKING_SMTP_PORT=str(sink.port),
        BOOKING_MAIL_DIR=str(tmp_path / "mail"),  # unused with SMTP; kept out of the tree
        BOOKING_SECRET_KEY=SECRET_KEY,
        **extra,
    )


class Served:
    """The `booking serve` processes of one test, their logs, and stopping them all."""

    def __init__(self, tmp_path: Path, env: dict[str, str], sink: SmtpSink) -> None:
        self.tmp_path, self.env, self.sink = tmp_path, env, sink
        self.running: list[tuple[subprocess.Popen[bytes], str]] = []
        self.logs: list[Path] = []

    def start(self) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        log = self.tmp_path / f"serve-{len(self.logs)}-{port}.log"
        process = start_booking("serve", "--port", str(port), env=self.env, log=log)
        self.sink.watch(process.pid)
        self.running.append((process, f"http://127.0.0.1:{port}"))
        self.logs.append(log)
        return process, f"http://127.0.0.1:{port}"

    async def wait_ready(self, process: subprocess.Popen[bytes], base: str) -> None:
        log = self.logs[[p for p, _ in self.running].index(process)]
        await asyncio.to_thread(wait_ready_sync, base, process, log, 45)

    def tails(self, chars: int = 3000) -> str:
        return "\n".join(
            f"--- {log.name} ---\n{log.read_text(errors='replace')[-chars:]}"
            for log in self.logs
            if log.exists()
        )

    async def stop_all(self) -> None:
        await asyncio.gather(*(asyncio.to_thread(stop, p) for p, _ in self.running))


async def migrate(env: dict[str, str]) -> None:
    upgraded = await asyncio.to_thread(run_booking, "db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr


async def insert_pending(engine: AsyncEngine, n: int, prefix: str) -> dict[str, str]:
    """n pending deliveries, as a handler would queue them; returns Message-ID -> row id."""
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        message = new_message(
            sender="Book SEND training <bookings@example.org>",
            to=f"{prefix}{i}@school.example",
            subject=f"Queued mail {i} of {n}",
            text=f"Mail number {i}.",
            html=None,
            domain="booking.example.org",
        )
        rows.append(
            Delivery(
                key=f"test:{prefix}:{i}",
                kind="test",
                recipient=f"{prefix}{i}@school.example",
                subject=str(message["Subject"]),
                message=message.as_bytes(policy=email.policy.SMTP),
                status=DeliveryStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    async with create_sessionmaker(engine)() as db_session:
        db_session.add_all(rows)
        await db_session.flush()
        ids = {
            str(email.message_from_bytes(r.message, policy=email.policy.SMTP)["Message-ID"]): r.id
            for r in rows
        }
        await db_session.commit()
    return ids


async def delivery_rows(engine: AsyncEngine) -> list[Delivery]:
    async with create_sessionmaker(engine)() as db_session:
        rows = list((await db_session.scalars(select(Delivery))).all())
        db_session.expunge_all()  # plain snapshots: the rollback must not expire them
        await db_session.rollback()
    return rows


async def undispatched_events(engine: AsyncEngine) -> int:
    async with create_sessionmaker(engine)() as db_session:
        count = await db_session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
        )
        await db_session.rollback()
    return int(count or 0)


async def wait_for(
    done: Callable[[], Awaitable[bool]], seconds: float, explain: Callable[[], Awaitable[str]]
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await done():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not done after {seconds} s: {await explain()}")


def statuses(rows: list[Delivery]) -> Counter[str]:
    return Counter(str(r.status) for r in rows)


async def test_a_process_killed_between_acceptance_and_record_repeats_only_that_mail(
    served_database, tmp_path
):
    url = served_database
    engine = create_engine(DatabaseSettings(url=url, pool_size=1))
    with SmtpSink(delay=0.02, hold_at=HOLD_AT) as sink:
        served = Served(
            tmp_path, serve_env(url, sink, tmp_path, BOOKING_MAIL_CLAIM_SECONDS="2"), sink
        )
        try:
            async with asyncio.timeout(WHOLE_TEST_TIMEOUT):
                await migrate(served.env)
                ids = await insert_pending(engine, KILL_MAILS, "queued")
                first, _ = served.start()

                async def holding() -> bool:
                    assert first.poll() is None, f"booking exited:\n{served.tails()}"
                    return sink.held.is_set()

                async def not_held() -> str:
                    return f"the sink has {sink.count()} mails, not {HOLD_AT}\n{served.tails()}"

                await wait_for(holding, 45, not_held)
                first.kill()  # SIGKILL: no shutdown hook, no rollback, no QUIT
                await asyncio.to_thread(first.wait, 10)
                sink.release()
                at_kill = sink.received()
                in_flight = at_kill[HOLD_AT - 1].message_id
                rows = {r.id: r for r in await delivery_rows(engine)}

                # Control: the kill landed mid-dispatch, with exactly one mail in flight.
                assert len(at_kill) == HOLD_AT < KILL_MAILS
                assert {r.pid for r in at_kill} == {first.pid}, "mail from an unknown sender"
                assert statuses(list(rows.values())) == {
                    DeliveryStatus.SENT: HOLD_AT - 1,
                    DeliveryStatus.PENDING: KILL_MAILS - HOLD_AT + 1,
                }, "every accepted mail but the held one is recorded sent, the rest are not"
                held_row = rows[ids[in_flight]]
                assert held_row.status == DeliveryStatus.PENDING
                assert held_row.claimed_until is not None, "the in-flight mail is still claimed"

                second, _ = served.start()

                async def all_sent() -> bool:
                    return statuses(await delivery_rows(engine))[DeliveryStatus.SENT] == KILL_MAILS

                async def explain() -> str:
                    counts = statuses(await delivery_rows(engine))
                    return f"rows {dict(counts)}, sink has {sink.count()}\n{served.tails()}"

                await wait_for(all_sent, SETTLE_TIMEOUT, explain)

            got = sink.message_ids()
            assert set(got) == set(ids), "a mail was lost, or one came from nowhere"
            assert {m: n for m, n in got.items() if n > 1} == {in_flight: 2}, (
                "only the mail in flight at the kill may arrive twice"
            )
            repeats = [r.content for r in sink.received() if r.message_id == in_flight]
            assert repeats[0] == repeats[1], "the repeat is the same stored message"
            after = sink.received()[HOLD_AT:]
            assert {r.pid for r in after} == {second.pid}, "the new process sent the rest"
            final = await delivery_rows(engine)
            assert statuses(final) == {DeliveryStatus.SENT: KILL_MAILS}
            assert all(r.claimed_until is None and r.last_error is None for r in final)
        finally:
            sink.release()
            await served.stop_all()
            await engine.dispose()


def calendar_methods(received: Received) -> list[str]:
    return [
        str(part.get_param("method"))
        for part in received.message.walk()
        if part.get_content_type() == "text/calendar"
    ]


async def booking_rush(
    clients: list[httpx.AsyncClient], sink: SmtpSink, admin: str
) -> tuple[list[str], list[Response]]:
    """The world through process 1, the cohort through process 2, teachers signed in with codes
    from the sink, then every teacher books at once, spread over all the processes."""
    world = await build_world_as(clients[0], admin)
    start = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    cohort = await published_cohort(
        clients[1], world, start + timedelta(days=10), capacity=CAPACITY
    )
    teachers = emails("t", TEACHERS)
    tokens = await sign_in_teachers_over_smtp(clients, sink, teachers)
    responses = await race(
        [partial(book, clients[i % len(clients)], t, cohort["id"]) for i, t in enumerate(tokens)]
    )
    assert_no_server_errors(responses)
    assert outcomes(responses) == {
        (201, "confirmed"): CAPACITY,
        (201, "waitlisted"): TEACHERS - CAPACITY,
    }
    return teachers, responses


def assert_one_booking_mail_each(
    received: list[Received], teachers: list[str], responses: list[Response]
) -> set[str]:
    """A REQUEST invite to each confirmed teacher (one session), a waitlist mail with the
    position they were told to each waitlisted one, and nothing else; returns their ids."""
    found: set[str] = set()
    positions = []
    for address, response in zip(teachers, responses, strict=True):
        body = response.json()
        mails = [r for r in received if r.to == address and "sign-in code" not in r.subject]
        assert len(mails) == 1, f"{address} ({body['status']}) got {len(mails)} mails"
        mail = mails[0]
        if body["status"] == "confirmed":
            assert mail.subject.startswith("Booked:"), mail.subject
            assert calendar_methods(mail) == ["REQUEST"], "one REQUEST invite"
        else:
            positions.append(body["waitlist_position"])
            assert mail.subject.startswith("Waitlist:"), mail.subject
            assert mail.subject.endswith(f"you are number {body['waitlist_position']}")
            assert calendar_methods(mail) == []
        found.add(mail.message_id)
    assert sorted(positions) == list(range(1, TEACHERS - CAPACITY + 1))
    return found


@pytest.mark.postgres
@pytest.mark.slow
async def test_three_processes_on_one_postgres_share_the_mail_and_send_each_once(tmp_path):
    server = await require_postgres()
    url = server.rsplit("/", 1)[0] + f"/booking_mail_shared_{uuid.uuid4().hex[:8]}"
    await recreate_database(url)
    engine = create_engine(DatabaseSettings(url=url, pool_size=1))
    with SmtpSink(delay=0.01) as sink:
        served = Served(tmp_path, serve_env(url, sink, tmp_path), sink)
        try:
            async with asyncio.timeout(WHOLE_TEST_TIMEOUT), AsyncExitStack() as stack:
                await migrate(served.env)
                created = await asyncio.to_thread(
                    run_booking, "create-admin", "ops@example.org", env=served.env
                )
                assert created.returncode == 0, created.stderr
                started = [served.start() for _ in range(PROCESSES)]
                await asyncio.gather(*(served.wait_ready(p, b) for p, b in started))

                # Queued while all three run: each process's timer finds them on its own.
                ids = await insert_pending(engine, SHARED_MAILS, "queued")
                clients = [
                    await stack.enter_async_context(httpx.AsyncClient(base_url=b, timeout=30))
                    for _, b in started
                ]
                admin = created.stdout.strip().splitlines()[-1]
                teachers, responses = await booking_rush(clients, sink, admin)

                async def settled() -> bool:
                    counts = statuses(await delivery_rows(engine))
                    return not counts[DeliveryStatus.PENDING] and not await undispatched_events(
                        engine
                    )

                async def explain() -> str:
                    counts = statuses(await delivery_rows(engine))
                    events = await undispatched_events(engine)
                    return (
                        f"rows {dict(counts)}, {events} events undispatched, "
                        f"sink has {sink.count()}\n{served.tails()}"
                    )

                await wait_for(settled, SETTLE_TIMEOUT, explain)

            received = sink.received()
            got = Counter(r.message_id for r in received)
            assert {m: n for m, n in got.items() if n > 1} == {}, "no process died: no repeats"
            assert {m: got[m] for m in ids} == dict.fromkeys(ids, 1), "queued mail lost"
            dispatched = {*ids, *assert_one_booking_mail_each(received, teachers, responses)}
            sign_ins = [r for r in received if "sign-in code" in r.subject]
            assert sorted(r.to for r in sign_ins) == sorted(teachers)
            assert len(received) == len(dispatched) + len(sign_ins), "unexpected mail"
            assert statuses(await delivery_rows(engine)) == {DeliveryStatus.SENT: len(dispatched)}

            # The work was shared: the dispatched mail came from more than one process.
            senders = Counter(r.pid for r in received if r.message_id in dispatched)
            assert None not in senders, f"mail from a process not started here: {senders}"
            assert set(senders) <= {p.pid for p, _ in started}
            assert len(senders) > 1, f"one process sent every dispatched mail: {senders}"
        finally:
            await served.stop_all()
            await engine.dispose()
            await drop_database(url)
