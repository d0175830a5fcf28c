"""A waiting teacher who took a seat in an overlapping session elsewhere is not promoted into a
double booking (booking_clash is not overridable, docs/contract.md), keeps their place, and is
promoted once the clash is gone. Promotions that meet a teacher busy with another booking finish a
second later (services.seating)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from booking.models import DueWork
from booking.services import seat_rules, seating
from tests.support.engine import add_trainer, published_cohort, teacher_token
from tests.support.factories import bearer, create_venue


async def book(client, token, cohort_id):
    return await client.post(
        f"/api/v1/cohorts/{cohort_id}/bookings", json={}, headers=bearer(token)
    )


async def status_of(client, token, booking):
    read = await client.get(f"/api/v1/bookings/{booking['id']}", headers=bearer(token))
    assert read.status_code == 200, read.text
    return read.json()["status"], read.json()["waitlist_position"]


async def overlapping_cohort(client, world, start):
    """Another trainer in another room, starting an hour into the first cohort's session."""
    trainer = await add_trainer(client, world, "tom@example.org")
    room = await create_venue(client, world.hub_admin, world.hub["id"], name="Room 2")
    return await published_cohort(
        client,
        world,
        start + timedelta(hours=1),
        trainer_id=trainer["user"]["id"],
        venue_id=room["id"],
    )


@pytest.mark.parametrize(("mode", "handed"), [("auto", "confirmed"), ("offer", "offered")])
async def test_a_teacher_seated_in_an_overlapping_session_is_passed_over(
    client, world, start, mail_dir, mode, handed
):
    full = await published_cohort(client, world, start, capacity=1, waitlist_mode=mode)
    other = await overlapping_cohort(client, world, start)
    holder, busy, next_one = [await teacher_token(client, f"t{i}@school.example") for i in range(3)]
    held = (await book(client, holder, full["id"])).json()
    waiting = (await book(client, busy, full["id"])).json()
    behind = (await book(client, next_one, full["id"])).json()
    # Waiting does not hold a seat, so the overlapping booking goes through.
    elsewhere = await book(client, busy, other["id"])
    assert elsewhere.json()["status"] == "confirmed", elsewhere.text

    await client.delete(f"/api/v1/bookings/{held['id']}", headers=bearer(holder))

    assert await status_of(client, busy, waiting) == ("waitlisted", 1)
    assert await status_of(client, next_one, behind) == (handed, None)

    # Once the clash is gone the passed-over teacher is first in line again.
    await client.delete(f"/api/v1/bookings/{elsewhere.json()['id']}", headers=bearer(busy))
    await client.delete(f"/api/v1/bookings/{behind['id']}", headers=bearer(next_one))
    assert await status_of(client, busy, waiting) == (handed, None)


async def test_the_only_waiting_teacher_passed_over_leaves_the_seat_bookable(
    client, world, start, mail_dir
):
    full = await published_cohort(client, world, start, capacity=1)
    other = await overlapping_cohort(client, world, start)
    holder, busy, newcomer = [await teacher_token(client, f"t{i}@school.example") for i in range(3)]
    held = (await book(client, holder, full["id"])).json()
    waiting = (await book(client, busy, full["id"])).json()
    assert (await book(client, busy, other["id"])).json()["status"] == "confirmed"

    await client.delete(f"/api/v1/bookings/{held['id']}", headers=bearer(holder))

    read = (await client.get(f"/api/v1/cohorts/{full['id']}")).json()
    assert (read["seats_left"], read["waitlist_length"]) == (1, 1)
    assert (await book(client, newcomer, full["id"])).json()["status"] == "confirmed"
    assert await status_of(client, busy, waiting) == ("waitlisted", 1)


async def test_booking_again_from_the_waitlist_is_refused_when_it_would_double_book(
    client, world, start, mail_dir, clock
):
    """Inside the promotion cutoff a freed seat is bookable; a waiting teacher who books again
    takes it (docs/contract.md), unless they now hold a seat in an overlapping session."""
    full = await published_cohort(client, world, start, capacity=1)
    other = await overlapping_cohort(client, world, start)
    holder, busy = [await teacher_token(client, f"t{i}@school.example") for i in range(2)]
    held = (await book(client, holder, full["id"])).json()
    waiting = (await book(client, busy, full["id"])).json()
    assert (await book(client, busy, other["id"])).json()["status"] == "confirmed"
    clock.set(start - timedelta(hours=23))
    await client.delete(f"/api/v1/bookings/{held['id']}", headers=bearer(holder))

    again = await book(client, busy, full["id"])

    assert again.status_code == 409, again.text
    assert again.json()["code"] == "booking_clash"
    assert await status_of(client, busy, waiting) == ("waitlisted", 1)


@pytest.mark.timer
async def test_a_promotion_meeting_a_busy_teacher_finishes_a_second_later(
    client, world, start, mail_dir, clock, monkeypatch
):
    """A capacity rise hands three seats on; the second waiting teacher's lock is taken (they are
    booking something else), so the walk stops there, keeping join order, and the app's timer
    finishes it once the retry is due."""
    cohort = await published_cohort(client, world, start, capacity=1)
    tokens = [await teacher_token(client, f"t{i}@school.example") for i in range(4)]
    assert (await book(client, tokens[0], cohort["id"])).json()["status"] == "confirmed"
    first, second, third = [(await book(client, t, cohort["id"])).json() for t in tokens[1:]]
    busy_teacher = second["teacher_id"]
    real_try_lock = seating.try_lock_key

    async def busy(db_session, namespace, key):
        if key == busy_teacher:
            return False
        return await real_try_lock(db_session, namespace, key)

    monkeypatch.setattr(seating, "try_lock_key", busy)
    raised = await client.patch(
        f"/api/v1/cohorts/{cohort['id']}", json={"capacity": 4}, headers=bearer(world.hub_admin)
    )
    assert raised.status_code == 200, raised.text
    assert await status_of(client, tokens[1], first) == ("confirmed", None)
    # Join order: nobody behind the busy teacher gets a seat before them.
    assert await status_of(client, tokens[2], second) == ("waitlisted", 1)
    assert await status_of(client, tokens[3], third) == ("waitlisted", 2)

    monkeypatch.setattr(seating, "try_lock_key", real_try_lock)
    clock.advance(seat_rules.RETRY_AFTER)
    deadline = asyncio.get_running_loop().time() + 5
    while asyncio.get_running_loop().time() < deadline:
        if (await status_of(client, tokens[2], second))[0] == "confirmed":
            break
        await asyncio.sleep(0.2)
    assert await status_of(client, tokens[2], second) == ("confirmed", None)
    assert await status_of(client, tokens[3], third) == ("confirmed", None)


async def test_the_teacher_lock_is_really_tried_on_postgresql(
    client, world, start, mail_dir, engine, is_postgres
):
    """The same stop, with the lock held by another connection rather than a stand-in."""
    if not is_postgres:
        pytest.skip("SQLite serialises every writer; there is no lock to find taken")
    cohort = await published_cohort(client, world, start, capacity=1)
    tokens = [await teacher_token(client, f"t{i}@school.example") for i in range(3)]
    await book(client, tokens[0], cohort["id"])
    first, second = [(await book(client, t, cohort["id"])).json() for t in tokens[1:]]
    key = f"{seating.TEACHER_LOCK}:{second['teacher_id']}"
    async with engine.connect() as other:
        await other.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
        )
        raised = await client.patch(
            f"/api/v1/cohorts/{cohort['id']}",
            json={"capacity": 3},
            headers=bearer(world.hub_admin),
        )
        assert raised.status_code == 200, raised.text
        assert await status_of(client, tokens[1], first) == ("confirmed", None)
        assert await status_of(client, tokens[2], second) == ("waitlisted", 1)
        await other.rollback()
    async with engine.connect() as conn:
        pending = await conn.scalar(
            select(func.count())
            .select_from(DueWork)
            .where(DueWork.kind == seat_rules.PROMOTION_RETRY, DueWork.done_at.is_(None))
        )
    assert pending == 1


async def eventually(read, expected, seconds=5.0):
    """What `read()` gives once it equals `expected`, or its last answer after `seconds`: the
    app's own timer does the work, within the five seconds of docs/contract.md."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        found = await read()
        if found == expected or asyncio.get_running_loop().time() >= deadline:
            return found
        await asyncio.sleep(0.2)


async def passed_over(client, world, start, mail_dir):
    """A teacher waiting for `full`, passed over for their seat in the overlapping `other`."""
    full = await published_cohort(client, world, start, capacity=1)
    other = await overlapping_cohort(client, world, start)
    holder, busy = [await teacher_token(client, f"t{i}@school.example") for i in range(2)]
    held = (await book(client, holder, full["id"])).json()
    waiting = (await book(client, busy, full["id"])).json()
    elsewhere = (await book(client, busy, other["id"])).json()
    await client.delete(f"/api/v1/bookings/{held['id']}", headers=bearer(holder))
    assert await status_of(client, busy, waiting) == ("waitlisted", 1)
    return busy, waiting, elsewhere, other


@pytest.mark.timer
async def test_a_passed_over_teacher_who_cancels_the_clash_gets_the_free_seat(
    client, world, start, mail_dir
):
    busy, waiting, elsewhere, _ = await passed_over(client, world, start, mail_dir)

    await client.delete(f"/api/v1/bookings/{elsewhere['id']}", headers=bearer(busy))

    assert await eventually(lambda: status_of(client, busy, waiting), ("confirmed", None)) == (
        "confirmed",
        None,
    )


@pytest.mark.timer
async def test_a_passed_over_teacher_gets_the_seat_when_the_clashing_session_moves_away(
    client, world, start, mail_dir
):
    busy, waiting, _, other = await passed_over(client, world, start, mail_dir)
    [clashing] = other["sessions"]

    moved = await client.patch(
        f"/api/v1/sessions/{clashing['id']}",
        json={
            "starts_at": (start + timedelta(days=1)).isoformat(),
            "ends_at": (start + timedelta(days=1, hours=2)).isoformat(),
        },
        headers=bearer(world.hub_admin),
    )
    assert moved.status_code == 200, moved.text

    assert await eventually(lambda: status_of(client, busy, waiting), ("confirmed", None)) == (
        "confirmed",
        None,
    )


@pytest.mark.timer
async def test_a_passed_over_teacher_gets_the_seat_when_the_clashing_session_is_cancelled(
    client, world, start, mail_dir
):
    busy, waiting, _, other = await passed_over(client, world, start, mail_dir)
    [clashing] = other["sessions"]
    # A second session keeps the other cohort alive: only the clash goes.
    extra = await client.post(
        f"/api/v1/cohorts/{other['id']}/sessions",
        json={
            "starts_at": (start + timedelta(days=2)).isoformat(),
            "ends_at": (start + timedelta(days=2, hours=2)).isoformat(),
        },
        headers=bearer(world.hub_admin),
    )
    assert extra.status_code == 201, extra.text

    gone = await client.delete(
        f"/api/v1/sessions/{clashing['id']}", headers=bearer(world.hub_admin)
    )
    assert gone.status_code == 200, gone.text

    assert await eventually(lambda: status_of(client, busy, waiting), ("confirmed", None)) == (
        "confirmed",
        None,
    )


@pytest.mark.timer
async def test_a_seat_left_for_a_deferred_promotion_is_not_taken_by_a_newcomer(
    client, world, start, mail_dir, clock, monkeypatch
):
    """While the walk waits for the busy teacher, the free seat is theirs: a newcomer joins the
    waitlist and the teacher behind them booking again is told they already have a booking."""
    cohort = await published_cohort(client, world, start, capacity=1)
    tokens = [await teacher_token(client, f"t{i}@school.example") for i in range(5)]
    await book(client, tokens[0], cohort["id"])
    first, second, third = [(await book(client, t, cohort["id"])).json() for t in tokens[1:4]]
    real_try_lock = seating.try_lock_key

    async def busy(db_session, namespace, key):
        if key == second["teacher_id"]:
            return False
        return await real_try_lock(db_session, namespace, key)

    monkeypatch.setattr(seating, "try_lock_key", busy)
    await client.patch(
        f"/api/v1/cohorts/{cohort['id']}", json={"capacity": 3}, headers=bearer(world.hub_admin)
    )
    assert await status_of(client, tokens[1], first) == ("confirmed", None)
    assert await status_of(client, tokens[2], second) == ("waitlisted", 1)

    newcomer = await book(client, tokens[4], cohort["id"])
    assert newcomer.json()["status"] == "waitlisted", newcomer.text
    assert newcomer.json()["waitlist_position"] == 3
    again = await book(client, tokens[3], cohort["id"])
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "already_booked"

    monkeypatch.setattr(seating, "try_lock_key", real_try_lock)
    clock.advance(seat_rules.RETRY_AFTER)
    assert await eventually(lambda: status_of(client, tokens[2], second), ("confirmed", None)) == (
        "confirmed",
        None,
    )
    assert await status_of(client, tokens[3], third) == ("waitlisted", 1)
    assert await status_of(client, tokens[4], newcomer.json()) == ("waitlisted", 2)
