"""Three real `booking serve` processes on one PostgreSQL database, 60 teachers at once.

Nothing is shared but the database: each process has its own interpreter, event loop, engine
and pool (5 + 5 here, to stay well inside max_connections). The world is made through the CLI
(`db upgrade`, `create-admin`) and the HTTP API; the teachers sign in with email codes read
from the .eml files the processes write. Then 60 bookings for a cohort of 20 go to the three
ports at once. Proves, from the rows: exactly 20 confirmed, 40 waitlisted at positions 1..40
in join order, one booking per teacher, counters equal rows, and no 5xx from any process.
"""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
import pytest

from booking.database import create_engine
from booking.settings import DatabaseSettings
from tests.support.engine import published_cohort
from tests.support.postgres import drop_database, recreate_database, require_postgres
from tests.support.processes import (
    booking_env,
    free_port,
    run_booking,
    start_booking,
    stop,
    wait_ready,
)
from tests.support.race import (
    assert_invariants,
    assert_no_server_errors,
    assert_roster_agrees,
    book,
    build_world_as,
    cohort_state,
    emails,
    outcomes,
    race,
    sign_in_teachers,
)

PROCESSES = 3
TEACHERS = 60
CAPACITY = 20
WHOLE_TEST_TIMEOUT = 90


def distinct_ports(n):
    ports: set[int] = set()
    while len(ports) < n:
        ports.add(free_port())
    return sorted(ports)


@pytest.mark.postgres
@pytest.mark.slow
async def test_three_served_processes_on_one_postgres_fill_twenty_seats_exactly(tmp_path):
    server = await require_postgres()
    url = server.rsplit("/", 1)[0] + f"/booking_conc_serve_{uuid.uuid4().hex[:8]}"
    await recreate_database(url)
    mail_dir = tmp_path / "mail"
    env = booking_env(
        BOOKING_DATABASE_URL=url,
        BOOKING_MAIL_DIR=str(mail_dir),
        BOOKING_DATABASE_POOL_SIZE="5",
    )
    processes = []
    try:
        async with asyncio.timeout(WHOLE_TEST_TIMEOUT):
            upgraded = await asyncio.to_thread(run_booking, "db", "upgrade", env=env)
            assert upgraded.returncode == 0, upgraded.stderr
            created = await asyncio.to_thread(
                run_booking, "create-admin", "ops@example.org", env=env
            )
            assert created.returncode == 0, created.stderr
            admin = created.stdout.strip().splitlines()[-1]

            bases = []
            for port in distinct_ports(PROCESSES):
                log = tmp_path / f"serve-{port}.log"
                process = start_booking("serve", "--port", str(port), env=env, log=log)
                processes.append(process)
                bases.append((f"http://127.0.0.1:{port}", process, log))
            await asyncio.gather(
                *(asyncio.to_thread(wait_ready, b, p, log, 45) for b, p, log in bases)
            )

            async with AsyncExitStack() as stack:
                clients = [
                    await stack.enter_async_context(httpx.AsyncClient(base_url=b, timeout=30))
                    for b, _, _ in bases
                ]
                world = await build_world_as(clients[0], admin)
                # Served processes run on the system clock: a session ten days from now.
                start = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
                cohort = await published_cohort(
                    clients[1], world, start + timedelta(days=10), capacity=CAPACITY
                )
                tokens = await sign_in_teachers(clients, mail_dir, emails("t", TEACHERS))

                responses = await race(
                    [
                        partial(book, clients[i % PROCESSES], t, cohort["id"])
                        for i, t in enumerate(tokens)
                    ]
                )

                assert_no_server_errors(responses)
                assert outcomes(responses) == {
                    (201, "confirmed"): CAPACITY,
                    (201, "waitlisted"): TEACHERS - CAPACITY,
                }
                told = {
                    r.json()["teacher_id"]: r.json()["waitlist_position"]
                    for r in responses
                    if r.json()["status"] == "waitlisted"
                }
                engine = create_engine(DatabaseSettings(url=url, pool_size=1))
                try:
                    state = await cohort_state(engine, cohort["id"])
                finally:
                    await engine.dispose()
                assert_invariants(state, no_idle_seat_while_waiting=True)
                assert (state.confirmed, len(state.waitlist)) == (CAPACITY, TEACHERS - CAPACITY)
                assert [told[t] for t in state.waitlist] == list(range(1, TEACHERS - CAPACITY + 1))
                await assert_roster_agrees(clients[2], world.hub_admin, cohort["id"], state)
    finally:
        await asyncio.gather(*(asyncio.to_thread(stop, p) for p in processes))
        await drop_database(url)
