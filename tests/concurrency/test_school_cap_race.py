"""Staff of several schools booking one capped cohort at the same instant
(docs/contract.md, Booking for staff, approval, fairness: max_per_school).

- Three apps (three processes in miniature), 4 schools x 8 staff at a cohort of 20 capped at
  3 per school, all at once: each school holds exactly 3 seats, the other 20 wait with
  waitlist_reason "school_cap", and the seat invariants hold.
- The control (PostgreSQL): the same rush with the cohort row lock dropped and a sleep after
  the school's seats are counted lets a school past its cap; its twin, sleep included, with the
  lock in place, holds the cap. So the lock is what keeps the cap.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select

from booking.clock import FrozenClock
from booking.database import create_engine, create_sessionmaker
from booking.migrate import upgrade
from booking.models import Booking, BookingStatus
from booking.repositories import bookings as booking_repo
from booking.repositories.cohorts import LOCK_COHORT_ROWS
from booking.settings import DatabaseSettings, MailSettings, Settings
from tests.support.engine import build_world, published_cohort
from tests.support.postgres import drop_database, recreate_database, require_postgres
from tests.support.race import (
    assert_invariants,
    assert_no_server_errors,
    book,
    cohort_state,
    outcomes,
    race,
    runtime_of,
    serve_in_loop,
)
from tests.support.schools import add_staff, create_lead, create_school
from tests.support.sign_in import signed_in

SCHOOLS, STAFF, CAP, CAPACITY = 4, 8, 3, 20
START = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


async def staff_of_schools(http, admin):
    """Tokens of STAFF teachers at each of SCHOOLS schools, interleaved school by school."""
    per_school = []
    for s in range(SCHOOLS):
        school = await create_school(http, admin, name=f"School {s}")
        lead = (await create_lead(http, admin, school["id"], f"lead{s}@s{s}.example"))["api_token"]
        emails = [f"t{i}@s{s}.example" for i in range(STAFF)]
        for email in emails:
            await add_staff(http, lead, school["id"], email)
        per_school.append(await signed_in(http, emails))
    return [tokens[i] for i in range(STAFF) for tokens in per_school]


async def seats_by_school(engine, cohort_id):
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(Booking.school_id).where(
                Booking.cohort_id == cohort_id,
                Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.OFFERED]),
            )
        )
        counts = Counter(r.school_id for r in rows)
        await conn.rollback()
    return counts


async def test_three_apps_hold_every_schools_cap(clients, world, start, engine):
    cohort = await published_cohort(clients[0], world, start, capacity=CAPACITY, max_per_school=CAP)
    tokens = await staff_of_schools(clients[0], world.admin)

    responses = await race(
        [partial(book, clients[i % 3], t, cohort["id"]) for i, t in enumerate(tokens)]
    )

    assert_no_server_errors(responses)
    assert outcomes(responses) == {(201, "confirmed"): SCHOOLS * CAP, (201, "waitlisted"): 20}
    reasons = Counter(r.json()["waitlist_reason"] for r in responses)
    assert reasons == {None: SCHOOLS * CAP, "school_cap": 20}
    assert sorted((await seats_by_school(engine, cohort["id"])).values()) == [CAP] * SCHOOLS
    assert_invariants(await cohort_state(engine, cohort["id"]))


# ---- the control ---------------------------------------------------------------------------


@pytest.fixture
async def postgres_url():
    server = await require_postgres()
    url = server.rsplit("/", 1)[0] + f"/booking_cap_control_{uuid.uuid4().hex[:8]}"
    await recreate_database(url)
    engine = create_engine(DatabaseSettings(url=url), enforce_foreign_keys=False)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    yield url
    await drop_database(url)


def widen_the_race(monkeypatch):
    """Sleep between counting a school's seats and writing the booking."""
    original = booking_repo.school_seats

    async def slow_school_seats(*args, **kwargs):
        found = await original(*args, **kwargs)
        await asyncio.sleep(0.05)
        return found

    monkeypatch.setattr(booking_repo, "school_seats", slow_school_seats)


async def capped_rush(url, tmp_path, monkeypatch, *, lock_off):
    settings = Settings(
        database=DatabaseSettings(url=url),
        mail=MailSettings(mail_dir=tmp_path / "mail", mail_from="B <bookings@booking.test>"),
    )
    clock = FrozenClock(START)
    engine = create_engine(settings.database)
    try:
        async with serve_in_loop(settings, clock) as http:
            world = await build_world(http, create_sessionmaker(engine), clock)
            cohort = await published_cohort(
                http,
                world,
                clock.now() + timedelta(days=10),
                capacity=CAPACITY,
                max_per_school=CAP,
            )
            tokens = await staff_of_schools(http, world.admin)
            widen_the_race(monkeypatch)
            if lock_off:
                runtime_of(http).session_info[LOCK_COHORT_ROWS] = False
            responses = await race([partial(book, http, t, cohort["id"]) for t in tokens])
        return await seats_by_school(engine, cohort["id"]), responses
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_control_without_the_cohort_lock_a_school_passes_its_cap(
    postgres_url, tmp_path, monkeypatch
):
    seats, _ = await capped_rush(postgres_url, tmp_path, monkeypatch, lock_off=True)
    assert max(seats.values()) > CAP, f"no school past its cap without the lock: {seats}"


@pytest.mark.postgres
async def test_twin_with_the_cohort_lock_and_the_same_sleep_holds_the_cap(
    postgres_url, tmp_path, monkeypatch
):
    seats, responses = await capped_rush(postgres_url, tmp_path, monkeypatch, lock_off=False)
    assert_no_server_errors(responses)
    assert sorted(seats.values()) == [CAP] * SCHOOLS
