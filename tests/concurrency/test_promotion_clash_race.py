"""Promotion racing a booking of an overlapping cohort by the very teacher being promoted.

Fifteen teachers wait for a full cohort X while cohort Y runs an hour into X's session. At the
same instant the fifteen holders of X cancel (each cancel promotes the next waiting teacher)
and the fifteen waiting teachers book Y. Waiting holds no seat, so each booking of Y may go
through; but a teacher must never end up holding seats in both X and Y: either the promotion
sees the seat in Y and passes them over, or the booking of Y sees the promoted seat and is
refused with booking_clash. Each side reads the teacher's seats and then writes, in different
cohorts under different cohort locks, so only the teacher lock orders them (services.seating).

Control (PostgreSQL; SQLite serialises every writer): the same rush with the teacher lock
switched off, a sleep injected after each read of a teacher's seats on both sides, does end
with teachers seated twice; its twin with the lock and the same sleep does not.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial

import pytest

from booking.models import BookingStatus
from booking.repositories import bookings as booking_repo
from booking.services import seating
from tests.support.engine import ALL_WEEK, published_cohort
from tests.support.factories import bearer, create_user, create_venue
from tests.support.race import (
    assert_invariants,
    assert_no_server_errors,
    book,
    cancel,
    cohort_state,
    emails,
    interleave,
    outcomes,
    race,
)
from tests.support.sign_in import signed_in

SEATS = 15
SLEEP = 0.05
# Each side's reads are serialised by its own cohort's lock, so how many of them overlap depends
# on how the two queues happen to interleave: on a loaded machine one rush in a few has none.
# The control rushes again, up to this many times, until one shows the break.
CONTROL_ATTEMPTS = 5


async def overlapping_cohort(http, world, start, tag=""):
    trainer = await create_user(
        http, world.admin, f"tom{tag}@example.org", "trainer", world.hub["id"]
    )
    response = await http.put(
        f"/api/v1/trainers/{trainer['user']['id']}/availability",
        json={"timezone": "Europe/London", "weekly": ALL_WEEK},
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 200, response.text
    room = await create_venue(
        http, world.hub_admin, world.hub["id"], name=f"Room 2{tag}", capacity=30
    )
    return await published_cohort(
        http,
        world,
        start + timedelta(hours=1),
        capacity=30,
        trainer_id=trainer["user"]["id"],
        venue_id=room["id"],
    )


def widen_the_race(monkeypatch):
    """Sleep after every read of a teacher's seats, before the write that depends on it."""
    original = booking_repo.teacher_booked_sessions

    async def slow(*args, **kwargs):
        found = await original(*args, **kwargs)
        await asyncio.sleep(SLEEP)
        return found

    monkeypatch.setattr(booking_repo, "teacher_booked_sessions", slow)


def teacher_lock_off(monkeypatch):
    async def no_lock(*_args):
        return None

    async def always(*_args):
        return True

    monkeypatch.setattr(seating, "lock_key", no_lock)
    monkeypatch.setattr(seating, "try_lock_key", always)


async def rush(http, world, start, mail_dir, engine, tag=""):
    """Holders of X cancel while X's waiting teachers book Y; the two cohorts' states."""
    x = await published_cohort(http, world, start, capacity=SEATS)
    y = await overlapping_cohort(http, world, start, tag)
    holders = await signed_in(http, emails(f"holder{tag}", SEATS))
    waiting = await signed_in(http, emails(f"waiting{tag}", SEATS))
    held = [(await book(http, t, x["id"])).json() for t in holders]
    queued = [(await book(http, t, x["id"])).json() for t in waiting]
    assert {b["status"] for b in held} == {"confirmed"}
    assert [b["waitlist_position"] for b in queued] == list(range(1, SEATS + 1))

    responses = await race(
        interleave(
            [partial(cancel, http, t, b["id"]) for t, b in zip(holders, held, strict=True)],
            [partial(book, http, t, y["id"]) for t in waiting],
        )
    )
    assert_no_server_errors(responses)
    return await cohort_state(engine, x["id"]), await cohort_state(engine, y["id"]), responses


def seated_twice(x, y):
    seated = {BookingStatus.CONFIRMED, BookingStatus.OFFERED}
    in_x = set().union(*(x.teachers(s) for s in seated))
    in_y = set().union(*(y.teachers(s) for s in seated))
    return in_x & in_y


async def test_a_promotion_and_the_teachers_own_overlapping_booking_never_both_win(
    http, world, start, mail_dir, engine
):
    x, y, responses = await rush(http, world, start, mail_dir, engine)

    assert_invariants(x)
    assert_invariants(y)
    assert not seated_twice(x, y), f"seated twice: {x.summary()} / {y.summary()}"
    booked_y = outcomes(responses[1::2])  # interleaved: cancel, book, cancel, book …
    assert set(booked_y) <= {(201, "confirmed"), (409, "booking_clash")}, booked_y
    # Every waiting teacher ends seated in exactly one of the two cohorts or still waiting for
    # X because they hold Y: nobody is left out of both while X had seats to hand on.
    assert x.confirmed + len(y.with_status(BookingStatus.CONFIRMED)) >= SEATS


async def test_control_without_the_teacher_lock_seats_teachers_twice(
    http, world, start, mail_dir, engine, is_postgres, monkeypatch
):
    if not is_postgres:
        pytest.skip("SQLite serialises every writer: this race cannot happen there")
    widen_the_race(monkeypatch)
    teacher_lock_off(monkeypatch)
    seen = []
    for attempt in range(CONTROL_ATTEMPTS):
        # A day later each time (Monday to Friday): the world's trainer and venue are free then.
        when = start + timedelta(days=attempt)
        x, y, _ = await rush(http, world, when, mail_dir, engine, tag=str(attempt))
        if seated_twice(x, y):
            return
        seen.append(x.summary())
    raise AssertionError(
        f"nobody seated twice without the lock in {CONTROL_ATTEMPTS} rushes: {seen}"
    )


async def test_twin_with_the_teacher_lock_and_the_same_sleep_holds(
    http, world, start, mail_dir, engine, monkeypatch
):
    widen_the_race(monkeypatch)
    x, y, _ = await rush(http, world, start, mail_dir, engine)
    assert not seated_twice(x, y), f"seated twice: {x.summary()} / {y.summary()}"
