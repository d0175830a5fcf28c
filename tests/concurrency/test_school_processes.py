"""Three real `booking serve` processes on one PostgreSQL database, and everything that moves a
seat at once: school leads bulk-booking their staff, teachers booking singly, leads approving
and rejecting bookings held for approval, cancellations, and approvals running out
(docs/contract.md, Bookings and the waitlist, invariants 1 and 4; Schools and staff: bulk
booking, max_per_school, approval).

The world, made once for the module through the HTTP API (the admin by the CLI's own
create_admin): cohorts of 12 seats, at most 3 per school, approvals lapsing after 3 seconds (the
processes run on the real clock). Schools A and B approve their staff's own bookings: their 12
staff book singly, and their leads answer from the approvals list as bookings arrive (by the
order they find them in, so that whoever wins the rush one is left to run out, one rejected and
the rest approved; one teacher of each school cancels their own). A tenth of a second later, while
the leads answer, the leads of C, D and E (E approves, but a lead's booking needs none) bulk-book
their 6 staff each and 8 teachers of no school book singly; 4 more join within the first second
and a half, and a few seat holders cancel. Every request goes to the next of the three ports in
turn, and the processes' own timers expire approvals and finish deferred promotions.

What is proved, across processes:

- A trigger the test adds to its own database (the app knows nothing of it) records every
  committed change of a booking's status. Replayed transaction by transaction (the cohort lock
  serialises them, which the replay checks too), after every transaction: confirmed + offered +
  pending_approval <= capacity; no school over max_per_school; every seat taken from the
  waitlist went to the longest-waiting teacher whose school was under its cap, and no newcomer
  took a seat while such a teacher waited; a seat left free while such a teacher waited was
  filled within 5 seconds; every approval expired within 5 seconds of approval_expires_at.
- A poller reading the counters and the rows in one snapshot every 50 ms during the run sees
  the same bounds, and counters equal to the rows.
- Settled within 5 seconds of the last due moment: nothing pending, no due work left, counters
  equal rows, one active booking per teacher, nobody waiting while a seat is free unless their
  school is at its cap; the roster and the cohort in the API agree with the rows; no 5xx from
  any process, nothing logged as an error, and every refusal is a lead's answer to a booking
  no longer pending.

The control, in the served processes too. No setting switches the cohort lock off in a process
(the in-process controls set the LOCK_COHORT_ROWS session flag on an app's runtime, which another
process cannot be given without a change to booking/), so the three processes are started by a
small launcher (LAUNCHER below): it runs `booking.cli.main(["serve", ...])`, the same command,
after wrapping two repository functions that look up the cohort in files the test writes. For a
cohort listed as "unlocked", `get_cohort(..., for_update=True)` takes no row lock; for one listed
as "slow", counting a school's seats is followed by a 50 ms sleep, which widens the window. A
cohort in neither file (the main test's) runs the code unchanged. The twin (slow, locked) passes
every check of the main test; the control (slow, unlocked) runs the same rush and holds more
seats than the cohort has or lets a school past its cap: the checks can fail, and the sleep is
not what makes them fail, the lock is what keeps them.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import subprocess
import sys
import uuid
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.cli import create_admin
from booking.database import create_engine
from booking.migrate import upgrade
from booking.models import Booking, Cohort, DueWork
from booking.settings import DatabaseSettings, load_settings
from tests.support.engine import World, published_cohort
from tests.support.factories import bearer
from tests.support.postgres import drop_database, recreate_database, require_postgres
from tests.support.processes import ROOT, booking_env, free_port, stop, wait_ready
from tests.support.race import (
    assert_invariants,
    assert_roster_agrees,
    book,
    build_world_as,
    cancel,
    cohort_state,
    sign_in_teachers,
)
from tests.support.schools import add_staff, create_lead, create_school

PROCESSES = 3
CAPACITY = 12
CAP = 3  # max_per_school
STAFF = 6  # per school
LONERS = 8  # teachers of no school, booking with the rush
LATE = 4  # more of them, joining while seats move
APPROVAL_TTL = "PT3S"
# Invariant 4: freed seats reach the waitlist within 5 s. Approvals are held to it too, though
# the contract promises their expiry within a second: a wake at the due moment that lands while a
# process's dispatch job is still running is skipped until the next 2-second tick.
BOUND = timedelta(seconds=5)
SAMPLE_EVERY = 0.05
ANSWER_EVERY = 0.1
CONTROL_SLEEP = 0.05
POOL_SIZE = "5"  # per process (and as many overflow): three processes stay well inside limits
WHOLE_TEST_TIMEOUT = 90
READY_TIMEOUT = 90  # three interpreters starting at once on a busy machine

HOLDING = frozenset({"confirmed", "offered", "pending_approval"})
WAITING = "waitlisted"
PENDING = "pending_approval"

APPROVING = ("a", "b")  # the schools whose staff book for themselves
# What the leads of those schools do with the bookings they find pending: in the order found
# (by either lead; by arrival rather than by teacher, so that every kind of answer happens
# whoever wins the rush), then every later one approved. A rejection that arrives after the
# booking ran out (409 not_pending, on a busy machine) is tried again on the next one found, so
# that a slow listing cannot leave the run without a rejection.
APPROVE, REJECT, LEAVE = "approve", "reject", "leave to run out"
ANSWERS = (LEAVE, REJECT, APPROVE)
# The staff of an approving school who cancel their own booking, whatever it is by then (the
# lead approves theirs, if it finds it in time).
SELF_CANCEL = {5: 0.4}
# The approving schools' own bookings go first, by this much: the leads then have bookings to
# answer while the bulk bookings and everyone else rush in.
HEAD_START = 0.1
# Seat holders who cancel, and when (seconds after their booking came back).
LONER_CANCELS = {0: 0.3, 3: 0.6, 6: 0.9}
BULK_CANCELS = {"c": {0: 0.5}, "d": {1: 0.8}, "e": {2: 1.1}}
LATE_DELAYS = (0.5, 0.8, 1.1, 1.4)

# Every committed change of a booking's status (and every new booking), in the order written:
# under the cohort lock, one transaction's rows all come before the next one's.
HISTORY_DDL = """
CREATE TABLE test_seat_history (
    n bigserial PRIMARY KEY,
    tx bigint NOT NULL DEFAULT txid_current(),
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    booking_id varchar(32) NOT NULL,
    cohort_id varchar(32) NOT NULL,
    school_id varchar(32),
    old_status varchar(32),
    new_status varchar(32) NOT NULL,
    old_seq integer,
    new_seq integer,
    old_expires timestamptz
);
CREATE FUNCTION test_seat_history_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO test_seat_history (booking_id, cohort_id, school_id, new_status, new_seq)
        VALUES (NEW.id, NEW.cohort_id, NEW.school_id, NEW.status, NEW.waitlist_seq);
    ELSIF OLD.status IS DISTINCT FROM NEW.status THEN
        INSERT INTO test_seat_history (
            booking_id, cohort_id, school_id, old_status, new_status, old_seq, new_seq, old_expires
        )
        VALUES (
            NEW.id, NEW.cohort_id, NEW.school_id, OLD.status, NEW.status, OLD.waitlist_seq,
            NEW.waitlist_seq, OLD.approval_expires_at
        );
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER test_seat_history AFTER INSERT OR UPDATE ON booking
    FOR EACH ROW EXECUTE FUNCTION test_seat_history_log();
"""

# The control's launcher: `booking serve` with two repository functions wrapped for the cohorts
# listed in files of SEAT_CONTROL_DIR ("unlocked": no cohort row lock; "slow": a sleep after
# counting a school's seats). Cohorts not listed run the code unchanged.
LAUNCHER = """
import asyncio, os, sys
from pathlib import Path

from booking.cli import main
from booking.repositories import bookings, cohorts

switches = Path(os.environ["SEAT_CONTROL_DIR"])
sleep = float(os.environ["SEAT_CONTROL_SLEEP"])


def listed(name, cohort_id):
    path = switches / name
    return path.exists() and cohort_id in path.read_text().split()


get_cohort, school_seats = cohorts.get_cohort, bookings.school_seats


async def get_cohort_for_control(db_session, cohort_id, *, for_update=False):
    if for_update and listed("unlocked", cohort_id):
        for_update = False
    return await get_cohort(db_session, cohort_id, for_update=for_update)


async def school_seats_for_control(db_session, cohort_id):
    found = await school_seats(db_session, cohort_id)
    if listed("slow", cohort_id):
        await asyncio.sleep(sleep)
    return found


cohorts.get_cohort = get_cohort_for_control
bookings.school_seats = school_seats_for_control
sys.exit(main(sys.argv[1:]))
"""


# ---- the database and the processes ---------------------------------------------------------


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def fresh_database() -> str:
    """A new database, migrated, with the history trigger (the processes then find it at head)."""
    server = await require_postgres()
    url = server.rsplit("/", 1)[0] + f"/booking_school_proc_{uuid.uuid4().hex[:8]}"
    await recreate_database(url)
    engine = create_engine(DatabaseSettings(url=url), enforce_foreign_keys=False)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute(HISTORY_DDL)
    finally:
        await conn.close()
    return url


@dataclass
class Served:
    clients: list[httpx.AsyncClient]
    logs: list[Path]
    admin: str
    mail_dir: Path


def launch(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`booking serve --port PORT` through LAUNCHER (tests.support.processes.start_booking runs
    `python -m booking.cli` itself)."""
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own command with fixed arguments
            [sys.executable, "-c", LAUNCHER, "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@asynccontextmanager
async def served(url: str, tmp_path: Path, **extra_env: str) -> AsyncIterator[Served]:
    """Three processes serving `url` (already migrated), an admin token, and a client each."""
    mail_dir = tmp_path / "mail"
    env = booking_env(
        BOOKING_DATABASE_URL=url,
        BOOKING_MAIL_DIR=str(mail_dir),
        BOOKING_DATABASE_POOL_SIZE=POOL_SIZE,
        **extra_env,
    )
    ports: set[int] = set()
    while len(ports) < PROCESSES:
        ports.add(free_port())
    processes: list[subprocess.Popen[bytes]] = []
    logs = [tmp_path / f"serve-{port}.log" for port in sorted(ports)]
    try:
        for port, log in zip(sorted(ports), logs, strict=True):
            processes.append(launch(port, env, log))
        bases = [f"http://127.0.0.1:{port}" for port in sorted(ports)]
        # The admin is made meanwhile by the CLI's own function (one interpreter fewer to start).
        admin, *_ = await asyncio.gather(
            create_admin(load_settings(env), "ops@example.org", None),
            *(
                asyncio.to_thread(wait_ready, base, process, log, READY_TIMEOUT)
                for base, process, log in zip(bases, processes, logs, strict=True)
            ),
        )
        async with AsyncExitStack() as stack:
            clients = [
                await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=30))
                for base in bases
            ]
            yield Served(clients, logs, str(admin), mail_dir)
    finally:
        await asyncio.gather(*(asyncio.to_thread(stop, p) for p in processes))


def log_sizes(logs: Sequence[Path]) -> list[int]:
    return [log.stat().st_size for log in logs]


def logged_errors(logs: Sequence[Path], since: Sequence[int]) -> list[str]:
    """Lines logged at ERROR or worse, or tracebacks, after the sizes `since`."""
    found = []
    for log, start in zip(logs, since, strict=True):
        with log.open("rb") as text:
            text.seek(start)
            lines = text.read().decode(errors="replace").splitlines()
        found += [
            f"{log.name}: {line}"
            for line in lines
            if line.startswith(("ERROR", "CRITICAL")) or "Traceback" in line
        ]
    return found


# ---- the world -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: str
    token: str


@dataclass(frozen=True)
class School:
    key: str
    id: str
    lead: str
    approves: bool
    staff: tuple[Person, ...]


@dataclass(frozen=True)
class People:
    world: World
    schools: dict[str, School]
    loners: tuple[str, ...]
    late: tuple[str, ...]


async def build_people(run: Served) -> People:
    clients, admin = run.clients, run.admin
    world = await build_world_as(clients[0], admin)
    made: list[tuple[str, dict[str, str], str, bool, list[dict[str, str]]]] = []
    for key, approves in (("a", True), ("b", True), ("c", False), ("d", False), ("e", True)):
        school = await create_school(clients[0], admin, name=f"School {key.upper()}")
        if approves:
            response = await clients[0].patch(
                f"/api/v1/schools/{school['id']}",
                json={"approval_required": True},
                headers=bearer(admin),
            )
            assert response.status_code == 200, response.text
        lead = (await create_lead(clients[0], admin, school["id"], f"lead@{key}.example"))[
            "api_token"
        ]
        staff = await asyncio.gather(
            *(
                add_staff(clients[i % PROCESSES], lead, school["id"], f"t{i}@{key}.example")
                for i in range(STAFF)
            )
        )
        made.append((key, school, lead, approves, staff))
    staff_emails = [u["email"] for *_, staff in made for u in staff]
    loner_emails = [f"loner{i}@nowhere.example" for i in range(LONERS + LATE)]
    tokens = iter(await sign_in_teachers(clients, run.mail_dir, staff_emails + loner_emails))
    schools = {
        key: School(
            key,
            school["id"],
            lead,
            approves,
            tuple(Person(u["id"], next(tokens)) for u in staff),
        )
        for key, school, lead, approves, staff in made
    }
    rest = list(tokens)
    return People(world, schools, tuple(rest[:LONERS]), tuple(rest[LONERS:]))


async def capped_cohort(stage: Stage, days: int) -> str:
    """A cohort of the module's world, its one session `days` from now (each test its own day,
    so the same teachers book every test's cohort without a clash)."""
    start = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    cohort = await published_cohort(
        stage.served.clients[0],
        stage.people.world,
        start + timedelta(days=days),
        capacity=CAPACITY,
        max_per_school=CAP,
        approval_ttl=APPROVAL_TTL,
    )
    return str(cohort["id"])


# ---- reading the truth ----------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    id: str
    teacher_id: str
    school_id: str | None
    status: str
    waitlist_seq: int | None
    approval_expires_at: datetime | None


@dataclass(frozen=True)
class Snapshot:
    """The cohort's counters, its bookings and its undone due work, in one snapshot."""

    capacity: int
    counters: tuple[int, int, int]  # confirmed, offered, pending
    rows: tuple[Row, ...]
    due: int

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def holding(self) -> int:
        return sum(1 for r in self.rows if r.status in HOLDING)

    @property
    def by_school(self) -> Counter[str]:
        return Counter(r.school_id for r in self.rows if r.status in HOLDING and r.school_id)

    def waiting_uncapped(self) -> list[str]:
        """Waiting teachers a free seat could go to (no school, or a school under its cap)."""
        held = self.by_school
        return [
            r.teacher_id for r in self.rows if r.status == WAITING and not capped(r.school_id, held)
        ]

    @property
    def idle(self) -> bool:
        return self.holding < self.capacity and bool(self.waiting_uncapped())

    def seat_problems(self) -> list[str]:
        problems = []
        if self.holding > self.capacity:
            problems.append(f"{self.holding} seats held of {self.capacity}")
        rows = (self.count("confirmed"), self.count("offered"), self.count(PENDING))
        if rows != self.counters:
            problems.append(f"counters {self.counters} but rows {rows}")
        problems += [
            f"school {school} holds {n} seats, cap {CAP}"
            for school, n in self.by_school.items()
            if n > CAP
        ]
        return problems

    def summary(self) -> str:
        return (
            f"capacity={self.capacity} confirmed={self.count('confirmed')} "
            f"pending={self.count(PENDING)} waitlisted={self.count(WAITING)} "
            f"counters={self.counters} schools={dict(self.by_school)} due={self.due}"
        )


def capped(school_id: str | None, held: Counter[str]) -> bool:
    return school_id is not None and held[school_id] >= CAP


async def snapshot(engine: AsyncEngine, cohort_id: str) -> Snapshot:
    async with engine.connect() as plain:
        conn = await plain.execution_options(isolation_level="REPEATABLE READ")
        cohort = (
            await conn.execute(
                select(
                    Cohort.capacity,
                    Cohort.confirmed_count,
                    Cohort.offered_count,
                    Cohort.pending_count,
                ).where(Cohort.id == cohort_id)
            )
        ).one()
        rows = (
            await conn.execute(
                select(
                    Booking.id,
                    Booking.teacher_id,
                    Booking.school_id,
                    Booking.status,
                    Booking.waitlist_seq,
                    Booking.approval_expires_at,
                ).where(Booking.cohort_id == cohort_id)
            )
        ).all()
        due = await conn.scalar(
            select(func.count())
            .select_from(DueWork)
            .join(Booking, Booking.id == DueWork.booking_id)
            .where(Booking.cohort_id == cohort_id, DueWork.done_at.is_(None))
        )
        await conn.rollback()
    return Snapshot(
        capacity=cohort.capacity,
        counters=(cohort.confirmed_count, cohort.offered_count, cohort.pending_count),
        rows=tuple(
            Row(
                r.id,
                r.teacher_id,
                r.school_id,
                str(r.status),
                r.waitlist_seq,
                r.approval_expires_at,
            )
            for r in rows
        ),
        due=int(due or 0),
    )


# ---- the replay of the history --------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    n: int
    tx: int
    at: datetime
    booking_id: str
    school_id: str | None
    old: str | None
    new: str
    old_seq: int | None
    new_seq: int | None
    old_expires: datetime | None


async def history(url: str, cohort_id: str) -> list[Change]:
    conn = await asyncpg.connect(_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT n, tx, at, booking_id, school_id, old_status, new_status, old_seq, new_seq,"
            " old_expires FROM test_seat_history WHERE cohort_id = $1 ORDER BY n",
            cohort_id,
        )
    finally:
        await conn.close()
    return [Change(*row.values()) for row in rows]


@dataclass
class Replay:
    problems: list[str] = field(default_factory=list)
    transactions: int = 0
    promotions: int = 0
    passed_capped: int = 0  # promotions past a longer-waiting teacher whose school was at its cap
    expiries: int = 0
    longest_idle: timedelta = timedelta(0)
    latest_expiry: timedelta = timedelta(0)
    final: dict[str, str] = field(default_factory=dict)


def transactions(changes: Sequence[Change]) -> list[list[Change]]:
    """The changes grouped by transaction, in the order the transactions wrote."""
    groups: dict[int, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.tx, []).append(change)
    return sorted(groups.values(), key=lambda g: g[0].n)


def net_changes(group: Sequence[Change]) -> dict[str, Change]:
    """One change per booking: its status before the transaction and after it."""
    net: dict[str, Change] = {}
    for change in group:
        first = net.get(change.booking_id)
        net[change.booking_id] = (
            change
            if first is None
            else replace(
                change, old=first.old, old_seq=first.old_seq, old_expires=first.old_expires
            )
        )
    return net


class Replayer:
    """The cohort's bookings as the history builds them up, checked after every transaction."""

    def __init__(self) -> None:
        self.out = Replay()
        self.status: dict[str, str] = {}
        self.seq: dict[str, int] = {}
        self.school: dict[str, str | None] = {}
        self.idle_since: datetime | None = None

    def held(self) -> Counter[str]:
        return Counter(
            s for b, st in self.status.items() if st in HOLDING and (s := self.school[b])
        )

    def apply(self, group: Sequence[Change]) -> None:
        self.out.transactions += 1
        at, tx = group[0].at, group[0].tx
        net = net_changes(group)
        for booking_id, change in net.items():
            if self.status.get(booking_id) != change.old:
                self.out.problems.append(
                    f"tx {tx}: {booking_id} {change.old}->{change.new}"
                    f" but it was {self.status.get(booking_id)}"
                )
            self.school[booking_id] = change.school_id
        # Waiting before this transaction and still waiting after it.
        waiting = {b: self.seq[b] for b, s in self.status.items() if s == WAITING and b not in net}
        held = self.held()
        for change in net.values():
            if change.old in HOLDING and change.new not in HOLDING and change.school_id:
                held[change.school_id] -= 1
            if change.old == PENDING and change.new == "expired":
                self.expired(change, at)
        self.seated(tx, net, waiting, held)
        for booking_id, change in net.items():
            self.status[booking_id] = change.new
            if change.new == WAITING and change.new_seq is not None:
                self.seq[booking_id] = change.new_seq
        self.check_bounds(tx, at)

    def expired(self, change: Change, at: datetime) -> None:
        self.out.expiries += 1
        assert change.old_expires is not None
        late = at - change.old_expires
        self.out.latest_expiry = max(self.out.latest_expiry, late)
        if late > BOUND:
            self.out.problems.append(f"{change.booking_id} expired {late} after its time")

    def seated(
        self, tx: int, net: dict[str, Change], waiting: dict[str, int], held: Counter[str]
    ) -> None:
        """Seats taken in this transaction, in the walk's order (join order, newcomers last):
        nobody who waited longer, their school under its cap, may be left waiting."""

        def turn(change: Change) -> float:
            promoted = change.old == WAITING and change.old_seq is not None
            return change.old_seq if promoted and change.old_seq is not None else math.inf

        for change in sorted(
            (c for c in net.values() if c.new in HOLDING and c.old not in HOLDING), key=turn
        ):
            earlier = [b for b, s in waiting.items() if s < turn(change)]
            passed = [b for b in earlier if not capped(self.school[b], held)]
            if passed:
                what = "promoted" if change.old == WAITING else "booked"
                self.out.problems.append(
                    f"tx {tx}: {change.booking_id} {what} into a seat while {passed}"
                    " waited longer, their school under its cap"
                )
            elif earlier and change.old == WAITING:
                self.out.passed_capped += 1
            self.out.promotions += change.old == WAITING
            if change.school_id:
                held[change.school_id] += 1

    def check_bounds(self, tx: int, at: datetime) -> None:
        held = self.held()
        holding = sum(1 for s in self.status.values() if s in HOLDING)
        if holding > CAPACITY:
            self.out.problems.append(f"tx {tx}: {holding} seats held of {CAPACITY}")
        self.out.problems += [
            f"tx {tx}: school {s} holds {n} seats, cap {CAP}" for s, n in held.items() if n > CAP
        ]
        idle = holding < CAPACITY and any(
            s == WAITING and not capped(self.school[b], held) for b, s in self.status.items()
        )
        if idle and self.idle_since is None:
            self.idle_since = at
        elif not idle and self.idle_since is not None:
            span = at - self.idle_since
            self.out.longest_idle = max(self.out.longest_idle, span)
            if span > BOUND:
                self.out.problems.append(f"a seat stayed free {span} while a teacher could take it")
            self.idle_since = None


def replay(changes: Sequence[Change]) -> Replay:
    """Walk the transactions in order, checking the seat rules after each (module docstring)."""
    replayer = Replayer()
    groups = transactions(changes)
    for before, after in itertools.pairwise(groups):
        if before[-1].n > after[0].n:
            replayer.out.problems.append(
                f"transactions {before[0].tx} and {after[0].tx} interleaved"
            )
    for group in groups:
        replayer.apply(group)
    if replayer.idle_since is not None:
        replayer.out.problems.append(
            f"a seat left free since {replayer.idle_since} while a teacher could take it"
        )
    replayer.out.final = replayer.status
    return replayer.out


# ---- the rush --------------------------------------------------------------------------------


@dataclass
class Run:
    cohort_id: str
    responses: list[tuple[str, httpx.Response]] = field(default_factory=list)
    samples: int = 0
    sample_problems: list[str] = field(default_factory=list)
    settled: Snapshot | None = None
    unsettled: str | None = None
    found_pending: Counter[str] = field(default_factory=Counter)  # by the school's key

    def answered(self, kind: str, status: int) -> int:
        return sum(1 for k, r in self.responses if k == kind and r.status_code == status)

    def server_errors(self) -> list[str]:
        return [
            f"{k} {r.status_code} {r.text[:200]}" for k, r in self.responses if r.status_code >= 500
        ]

    def unexpected(self) -> list[str]:
        """Refusals other than an answer that came after the approval ran out."""
        return [
            f"{k} {r.status_code} {r.text[:200]}"
            for k, r in self.responses
            if 400 <= r.status_code < 500
            and not (k in {APPROVE, REJECT} and r.status_code == 409 and "not_pending" in r.text)
        ]


class Rush:
    """Everyone at once across the ports (`run`), then the wait until the cohort settles."""

    def __init__(self, stage: Stage, cohort_id: str, *, settle: bool) -> None:
        self.stage = stage
        self.settle = settle
        self.cohort_id = cohort_id
        self.run = Run(cohort_id)
        self.gate, self.done = asyncio.Event(), asyncio.Event()
        self.turns = itertools.count()
        self.answers = deque(ANSWERS)
        self.cancelling = {
            school.staff[i].id
            for school in (stage.people.schools[key] for key in APPROVING)
            for i in SELF_CANCEL
        }

    def client(self) -> httpx.AsyncClient:
        """The next port, round-robin."""
        clients = self.stage.served.clients
        return clients[next(self.turns) % len(clients)]

    async def send(self, kind: str, request: Awaitable[httpx.Response]) -> httpx.Response:
        response = await request
        self.run.responses.append((kind, response))
        return response

    async def cancel_later(self, token: str, booking_id: str, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.send("cancel", cancel(self.client(), token, booking_id))

    async def single(self, token: str, delay: float = 0, cancel_after: float | None = None) -> None:
        await self.gate.wait()
        await asyncio.sleep(delay)
        response = await self.send("book", book(self.client(), token, self.cohort_id))
        if cancel_after is not None and response.status_code == 201:
            await self.cancel_later(token, response.json()["id"], cancel_after)

    async def bulk(self, school: School) -> None:
        await self.gate.wait()
        await asyncio.sleep(HEAD_START)
        response = await self.send(
            "bulk",
            self.client().post(
                f"/api/v1/cohorts/{self.cohort_id}/bookings/bulk",
                json={"teacher_ids": [p.id for p in school.staff]},
                headers=bearer(school.lead),
            ),
        )
        if response.status_code != 200:
            return
        results = response.json()["results"]
        await asyncio.gather(
            *(
                self.cancel_later(school.staff[i].token, results[i]["booking"]["id"], delay)
                for i, delay in BULK_CANCELS[school.key].items()
                if results[i]["booking"]
            )
        )

    async def answer(self, school: School) -> None:
        """The lead's approvals list, read again and again until the end."""
        seen: set[str] = set()
        await self.gate.wait()
        while not self.done.is_set():
            await self.answer_once(school, seen)
            await asyncio.sleep(ANSWER_EVERY)

    async def answer_once(self, school: School, seen: set[str]) -> None:
        """Each booking answered once (ANSWERS), all those of one reading at once."""
        response = await self.send(
            "approvals",
            self.client().get(
                f"/api/v1/schools/{school.id}/approvals", headers=bearer(school.lead)
            ),
        )
        answers = []
        for item in response.json()["items"] if response.status_code == 200 else []:
            booking = item["booking"]
            if booking["cohort_id"] != self.cohort_id or booking["id"] in seen:
                continue
            seen.add(booking["id"])
            self.run.found_pending[school.key] += 1
            rule = APPROVE if booking["teacher_id"] in self.cancelling else self.next_answer()
            if rule != LEAVE:
                answers.append(self.give(rule, school, booking["id"]))
        await asyncio.gather(*answers)

    def next_answer(self) -> str:
        return self.answers.popleft() if self.answers else APPROVE

    async def give(self, rule: str, school: School, booking_id: str) -> None:
        path, body = ("approve", None) if rule == APPROVE else ("reject", {"reason": "No cover"})
        response = await self.send(
            rule,
            self.client().post(
                f"/api/v1/bookings/{booking_id}/{path}", json=body, headers=bearer(school.lead)
            ),
        )
        if rule == REJECT and response.status_code == 409:
            self.answers.appendleft(REJECT)  # too late: the next one found is rejected instead

    async def sample(self) -> None:
        while not self.done.is_set():
            state = await snapshot(self.stage.engine, self.cohort_id)
            self.run.samples += 1
            self.run.sample_problems += [
                f"sample {self.run.samples}: {p}" for p in state.seat_problems()
            ]
            await asyncio.sleep(SAMPLE_EVERY)

    def actors(self, approving: Sequence[School]) -> list[Awaitable[None]]:
        """Own bookings of the approving schools first (HEAD_START), then the bulk bookings and
        the teachers of no school at once, then late ones."""
        people = self.stage.people
        return [
            *(
                self.single(p.token, cancel_after=SELF_CANCEL.get(i))
                for school in approving
                for i, p in enumerate(school.staff)
            ),
            *(self.bulk(people.schools[key]) for key in BULK_CANCELS),
            *(
                self.single(token, delay=HEAD_START, cancel_after=LONER_CANCELS.get(i))
                for i, token in enumerate(people.loners)
            ),
            *(
                self.single(token, delay=delay)
                for token, delay in zip(people.late, LATE_DELAYS, strict=True)
            ),
        ]

    async def __call__(self) -> Run:
        approving = [self.stage.people.schools[key] for key in APPROVING]
        background = [
            asyncio.ensure_future(task)
            for task in (self.sample(), *(self.answer(s) for s in approving))
        ]
        running = [asyncio.ensure_future(actor) for actor in self.actors(approving)]
        await asyncio.sleep(0)
        self.gate.set()
        try:
            await asyncio.gather(*running)
            if self.settle:
                await settle(self.stage.engine, self.run)
        finally:
            self.done.set()
            outcomes = await asyncio.gather(*background, *running, return_exceptions=True)
        # A lead, the poller or an actor that stopped early would make the run say less.
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        if failures:
            raise failures[0]
        return self.run


async def rush(stage: Stage, cohort_id: str, *, settle: bool = True) -> Run:
    return await Rush(stage, cohort_id, settle=settle)()


async def settle(engine: AsyncEngine, run: Run) -> None:
    """Poll until nothing is pending, no due work is left and no seat is free while a teacher
    could take it: within BOUND of the end of the rush or of the last approval's time."""
    deadline = datetime.now(UTC) + BOUND
    while True:
        state = await snapshot(engine, run.cohort_id)
        pending = [r.approval_expires_at for r in state.rows if r.status == PENDING]
        deadline = max([deadline, *(t + BOUND for t in pending if t is not None)])
        if not pending and not state.due and not state.idle:
            run.settled = state
            return
        if datetime.now(UTC) > deadline:
            run.unsettled = f"not settled: {state.summary()}; waiting: {state.waiting_uncapped()}"
            return
        await asyncio.sleep(0.1)


# ---- the tests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    url: str
    served: Served
    people: People
    engine: AsyncEngine  # the test's own reader
    switches: Path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stage(tmp_path_factory):
    """One fresh database with the history trigger, three processes and the world, for every
    test of the module (starting three interpreters is most of the cost)."""
    url = await fresh_database()
    tmp = tmp_path_factory.mktemp("school_processes")
    switches = tmp / "switches"
    switches.mkdir()
    try:
        async with served(
            url,
            tmp,
            SEAT_CONTROL_DIR=str(switches),
            SEAT_CONTROL_SLEEP=str(CONTROL_SLEEP),
        ) as run_on:
            people = await build_people(run_on)
            engine = create_engine(DatabaseSettings(url=url, pool_size=2))
            try:
                yield Stage(url, run_on, people, engine, switches)
            finally:
                await engine.dispose()
    finally:
        await drop_database(url)


async def leave_alone(stage: Stage, cohort_id: str) -> None:
    """Mark the cohort's due work done, so the processes' timers leave the control's broken
    cohort alone (its counters no longer match its rows) while later tests run."""
    async with stage.engine.begin() as conn:
        booking_ids = select(Booking.id).where(Booking.cohort_id == cohort_id)
        await conn.execute(
            update(DueWork)
            .where(DueWork.booking_id.in_(booking_ids), DueWork.done_at.is_(None))
            .values(done_at=datetime.now(UTC))
        )


def switch(stage: Stage, name: str, cohort_id: str) -> None:
    with (stage.switches / name).open("a") as listed:
        listed.write(f"{cohort_id}\n")


async def assert_the_rules_held(stage: Stage, run: Run) -> Replay:
    assert not run.server_errors(), run.server_errors()
    assert not run.unexpected(), run.unexpected()
    assert run.samples >= 10, f"only {run.samples} samples during the run"
    assert not run.sample_problems, run.sample_problems[:5]
    assert run.unsettled is None, run.unsettled
    settled = run.settled
    assert settled is not None
    assert not settled.seat_problems(), settled.seat_problems()
    replayed = replay(await history(stage.url, run.cohort_id))
    assert not replayed.problems, replayed.problems[:5]
    assert replayed.final == {r.id: r.status for r in settled.rows}, "history and rows disagree"
    state = await cohort_state(stage.engine, run.cohort_id)
    assert_invariants(state)
    await assert_roster_agrees(
        stage.served.clients[1], stage.people.world.hub_admin, run.cohort_id, state
    )
    return replayed


def report(what: str, run: Run, replayed: Replay) -> None:
    """The numbers, for a reader running with -s."""
    print(  # noqa: T201
        f"\n{what}: {run.samples} samples, {replayed.transactions} transactions, "
        f"{replayed.promotions} promotions ({replayed.passed_capped} past a school at its cap), "
        f"{replayed.expiries} expiries (at most "
        f"{replayed.latest_expiry.total_seconds():.2f} s after their time), longest free seat "
        f"{replayed.longest_idle.total_seconds():.2f} s; "
        f"{dict(Counter((k, r.status_code) for k, r in run.responses if k != 'approvals'))}; "
        f"pending found by the leads: {dict(run.found_pending)}"
    )


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.asyncio(loop_scope="module")
async def test_three_served_processes_keep_capacity_caps_and_waitlist_order(stage):
    logs_before = log_sizes(stage.served.logs)
    async with asyncio.timeout(WHOLE_TEST_TIMEOUT):
        cohort_id = await capped_cohort(stage, days=10)
        run = await rush(stage, cohort_id)
        replayed = await assert_the_rules_held(stage, run)
    report("three processes", run, replayed)
    # The rush did what it is for: every kind of change happened.
    booked = [r.json() for k, r in run.responses if k == "book" and r.status_code == 201]
    booked += [
        x["booking"]
        for k, r in run.responses
        if k == "bulk"
        for x in r.json()["results"]
        if x["booking"]
    ]
    reasons = Counter(b["waitlist_reason"] for b in booked)
    assert reasons["school_cap"] > 0, reasons
    assert run.answered(APPROVE, 200) > 0, "no approval went through"
    assert run.answered(REJECT, 200) > 0, "no rejection went through"
    assert run.answered("cancel", 200) > 0, "nothing was cancelled"
    assert replayed.expiries > 0, "no approval ran out"
    assert replayed.promotions > 0, "nobody was promoted from the waitlist"
    assert replayed.passed_capped > 0, "no promotion passed over a school at its cap"
    errors = logged_errors(stage.served.logs, logs_before)
    assert not errors, errors[:5]


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.asyncio(loop_scope="module")
async def test_twin_with_the_cohort_lock_and_the_same_sleep_keeps_every_rule(stage):
    logs_before = log_sizes(stage.served.logs)
    async with asyncio.timeout(WHOLE_TEST_TIMEOUT):
        cohort_id = await capped_cohort(stage, days=12)
        switch(stage, "slow", cohort_id)
        run = await rush(stage, cohort_id)
        replayed = await assert_the_rules_held(stage, run)
    report("twin: the lock held, the sleep injected", run, replayed)
    errors = logged_errors(stage.served.logs, logs_before)
    assert not errors, errors[:5]


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.asyncio(loop_scope="module")
async def test_control_without_the_cohort_lock_the_seat_bounds_break(stage):
    async with asyncio.timeout(WHOLE_TEST_TIMEOUT):
        cohort_id = await capped_cohort(stage, days=14)
        switch(stage, "slow", cohort_id)
        switch(stage, "unlocked", cohort_id)
        # Nothing to wait for: what the rush left is the evidence.
        run = await rush(stage, cohort_id, settle=False)
        final = await snapshot(stage.engine, cohort_id)
        replayed = replay(await history(stage.url, cohort_id))
    await leave_alone(stage, cohort_id)
    print(  # noqa: T201
        f"\ncontrol, the lock dropped: {final.summary()}\n  rows: {final.seat_problems()}"
        f"\n  samples: {run.sample_problems[:3]}\n  replay: {replayed.problems[:3]}"
    )
    broken = [p for p in final.seat_problems() if "seats held" in p or "cap" in p]
    assert broken, f"the seat bounds held without the lock: {final.summary()}"


# ---- the replay can fail too -----------------------------------------------------------------
# The control above breaks the seat bounds; these show the replay's other checks (join order
# under the caps, the 5 seconds, the expiry time) catching a history that breaks them.

T0 = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


class Story:
    """A made-up history: a full cohort of 12, then whatever each test adds."""

    def __init__(self, *, full_by: str | None = None) -> None:
        self.changes: list[Change] = []
        self.numbers = itertools.count(1)
        self.txs = itertools.count(1)
        # c0..c2 of `full_by` (that school at its cap), c3..c11 of no school.
        self.tx(0, *((f"c{i}", full_by if i < CAP else None, None, "confirmed") for i in range(12)))

    def tx(
        self,
        second: float,
        *moves: tuple[str, str | None, str | None, str],
        seqs: dict[str, tuple[int | None, int | None]] | None = None,
        expires: datetime | None = None,
    ) -> None:
        tx = next(self.txs)
        for booking_id, school_id, old, new in moves:
            old_seq, new_seq = (seqs or {}).get(booking_id, (None, None))
            self.changes.append(
                Change(
                    next(self.numbers),
                    tx,
                    T0 + timedelta(seconds=second),
                    booking_id,
                    school_id,
                    old,
                    new,
                    old_seq,
                    new_seq,
                    expires,
                )
            )

    def two_waiting(self, school_of_first: str) -> None:
        self.tx(0.1, ("w1", school_of_first, None, WAITING), seqs={"w1": (None, 1)})
        self.tx(0.2, ("w2", None, None, WAITING), seqs={"w2": (None, 2)})


def test_replay_catches_a_seat_given_past_a_teacher_who_waited_longer():
    story = Story()
    story.two_waiting("s1")
    story.tx(
        1,
        ("c5", None, "confirmed", "cancelled"),
        ("w2", None, WAITING, "confirmed"),
        seqs={"w2": (2, None)},
    )
    problems = replay(story.changes).problems
    assert any("promoted into a seat while ['w1']" in p for p in problems), problems


def test_replay_lets_the_walk_pass_over_a_teacher_whose_school_is_at_its_cap():
    story = Story(full_by="s1")
    story.two_waiting("s1")
    story.tx(
        1,
        ("c5", None, "confirmed", "cancelled"),
        ("w2", None, WAITING, "confirmed"),
        seqs={"w2": (2, None)},
    )
    assert replay(story.changes).problems == []


def test_replay_catches_a_newcomer_seated_while_a_teacher_could_have_had_the_seat():
    story = Story()
    story.two_waiting("s1")
    story.tx(1, ("c5", None, "confirmed", "cancelled"))
    story.tx(1.5, ("new", None, None, "confirmed"))
    problems = replay(story.changes).problems
    assert any("booked into a seat while ['w1', 'w2']" in p for p in problems), problems


@pytest.mark.parametrize(("filled_after", "caught"), [(4.5, False), (6, True)])
def test_replay_catches_a_free_seat_left_longer_than_five_seconds(filled_after, caught):
    story = Story()
    story.two_waiting("s1")
    story.tx(1, ("c5", None, "confirmed", "cancelled"))  # a walk that stopped: due work
    story.tx(1 + filled_after, ("w1", "s1", WAITING, "confirmed"), seqs={"w1": (1, None)})
    problems = replay(story.changes).problems
    assert any("a seat stayed free" in p for p in problems) is caught, problems


@pytest.mark.parametrize(("late_by", "caught"), [(4.5, False), (6, True)])
def test_replay_catches_an_approval_expired_more_than_five_seconds_late(late_by, caught):
    story = Story()
    story.tx(1, ("c5", None, "confirmed", "cancelled"), ("p", "s1", None, PENDING))
    story.tx(
        2 + late_by,
        ("p", "s1", PENDING, "expired"),
        expires=T0 + timedelta(seconds=2),
    )
    problems = replay(story.changes).problems
    assert any("expired" in p for p in problems) is caught, problems


def test_replay_catches_transactions_that_interleaved():
    story = Story()
    story.tx(1, ("x", None, None, WAITING), seqs={"x": (None, 1)})
    story.tx(1, ("y", None, None, WAITING), seqs={"y": (None, 2)})
    # The first of the two writes again after the second has written: they ran side by side.
    x = story.changes[-2]
    story.changes.append(replace(x, n=next(story.numbers), booking_id="x2", new_seq=3))
    problems = replay(story.changes).problems
    assert any("interleaved" in p for p in problems), problems
