"""Three real `booking serve` processes on one PostgreSQL database: the limits hold across
them (the counters are rows every process bumps with one upsert), and a token signed out on
one process is refused by the others on their very next request.

Nothing is shared but the database. The processes run on the system clock; each limit's
window starts at its first hit, so the bursts below land well inside one window.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import AsyncExitStack
from functools import partial

import httpx
import pytest

from tests.support.postgres import drop_database, recreate_database, require_postgres
from tests.support.processes import (
    booking_env,
    free_port,
    run_booking,
    start_booking,
    stop,
    wait_ready,
)
from tests.support.race import race

PROCESSES = 3
PER_MINUTE = 12
CODES_PER_HOUR = 5
WHOLE_TEST_TIMEOUT = 150


@pytest.mark.postgres
@pytest.mark.slow
async def test_limits_and_revocation_hold_across_three_processes(tmp_path):
    server = await require_postgres()
    url = server.rsplit("/", 1)[0] + f"/booking_limits_{uuid.uuid4().hex[:8]}"
    await recreate_database(url)
    env = booking_env(
        BOOKING_DATABASE_URL=url,
        BOOKING_MAIL_DIR=str(tmp_path / "mail"),
        BOOKING_DATABASE_POOL_SIZE="3",
        BOOKING_REQUESTS_PER_MINUTE=str(PER_MINUTE),
        BOOKING_SIGN_IN_PER_ADDRESS_PER_HOUR=str(CODES_PER_HOUR),
    )
    processes = []
    try:
        async with asyncio.timeout(WHOLE_TEST_TIMEOUT):
            assert (await asyncio.to_thread(run_booking, "db", "upgrade", env=env)).returncode == 0
            created = await asyncio.to_thread(
                run_booking, "create-admin", "ops@example.org", env=env
            )
            assert created.returncode == 0, created.stderr
            admin = created.stdout.strip().splitlines()[-1]
            bases = []
            ports: set[int] = set()
            while len(ports) < PROCESSES:
                ports.add(free_port())
            for port in sorted(ports):
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
                headers = {"Authorization": f"Bearer {admin}"}
                # The admin's token: one minute's worth, spread over the three processes.
                started = time.monotonic()
                responses = await race(
                    [
                        partial(clients[i % PROCESSES].get, "/api/v1/me", headers=headers)
                        for i in range(3 * PER_MINUTE)
                    ]
                )
                statuses = sorted(r.status_code for r in responses)
                took = time.monotonic() - started
                assert took < 60, f"the burst took {took:.0f} s: longer than the window"
                assert statuses == [200] * PER_MINUTE + [429] * (2 * PER_MINUTE), [
                    (r.status_code, r.text[:120])
                    for r in responses
                    if r.status_code not in {200, 429}
                ]
                assert all(
                    r.json()["code"] == "rate_limited" and int(r.headers["retry-after"]) <= 60
                    for r in responses
                    if r.status_code == 429
                )
                # Sign-in codes from this one address, to different mailboxes.
                responses = await race(
                    [
                        partial(
                            clients[i % PROCESSES].post,
                            "/api/v1/auth/email-code",
                            json={"email": f"t{i}@example.org"},
                        )
                        for i in range(3 * CODES_PER_HOUR)
                    ]
                )
                statuses = sorted(r.status_code for r in responses)
                assert statuses == [202] * CODES_PER_HOUR + [429] * (2 * CODES_PER_HOUR), [
                    (r.status_code, r.text[:120])
                    for r in responses
                    if r.status_code not in {202, 429}
                ]
                # A fresh admin token, signed out on one process: refused by all three at once.
                created = await asyncio.to_thread(
                    run_booking, "create-admin", "ops@example.org", env=env
                )
                fresh = {"Authorization": f"Bearer {created.stdout.strip().splitlines()[-1]}"}
                assert (await clients[1].get("/api/v1/me", headers=fresh)).status_code == 200
                assert (
                    await clients[0].post("/api/v1/auth/sign-out", headers=fresh)
                ).status_code == 204
                for client in clients:
                    assert (await client.get("/api/v1/me", headers=fresh)).status_code == 401
    finally:
        await asyncio.gather(*(asyncio.to_thread(stop, p) for p in processes))
        await drop_database(url)
