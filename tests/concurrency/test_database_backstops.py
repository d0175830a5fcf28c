"""The database itself refuses what the races must never produce, whatever the code does.

- The partial unique index on the active booking of (teacher, cohort): a second confirmed,
  offered or waitlisted row for the same pair is an IntegrityError; a cancelled one beside it is
  history and allowed.
- The CHECK on the cohort's counters: confirmed + offered above capacity is an IntegrityError.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from booking.models import Booking, BookingStatus, Cohort
from tests.support.engine import published_cohort
from tests.support.race import book
from tests.support.sign_in import signed_in


@pytest.fixture
async def booked(http, world, start, mail_dir, clock):
    """A cohort of 2 with one confirmed booking: (cohort id, teacher id)."""
    cohort = await published_cohort(http, world, start, capacity=2)
    [token] = await signed_in(http, ["t@school.example"])
    response = await book(http, token, cohort["id"])
    assert response.json()["status"] == "confirmed"
    return cohort["id"], response.json()["teacher_id"]


def row(cohort_id, teacher_id, status, now, **extra):
    return Booking(
        cohort_id=cohort_id,
        teacher_id=teacher_id,
        status=status,
        created_at=now,
        updated_at=now,
        **extra,
    )


@pytest.mark.parametrize(
    ("status", "extra"),
    [
        (BookingStatus.CONFIRMED, {}),
        (BookingStatus.WAITLISTED, {"waitlist_seq": 99}),
    ],
)
async def test_a_second_active_booking_for_one_teacher_and_cohort_is_refused_by_the_database(
    booked, sessionmaker, clock, status, extra
):
    cohort_id, teacher_id = booked
    with pytest.raises(IntegrityError):
        async with sessionmaker() as db_session, db_session.begin():
            db_session.add(row(cohort_id, teacher_id, status, clock.now(), **extra))


async def test_a_cancelled_booking_beside_the_active_one_is_allowed(booked, sessionmaker, clock):
    cohort_id, teacher_id = booked
    async with sessionmaker() as db_session, db_session.begin():
        db_session.add(row(cohort_id, teacher_id, BookingStatus.CANCELLED, clock.now()))


async def test_confirmed_count_above_capacity_is_refused_by_the_database(booked, sessionmaker):
    cohort_id, _ = booked
    with pytest.raises(IntegrityError):
        async with sessionmaker() as db_session, db_session.begin():
            await db_session.execute(
                update(Cohort)
                .where(Cohort.id == cohort_id)
                .values(confirmed_count=Cohort.capacity + 1)
            )


async def test_offered_and_confirmed_together_above_capacity_are_refused_by_the_database(
    booked, sessionmaker
):
    cohort_id, _ = booked
    with pytest.raises(IntegrityError):
        async with sessionmaker() as db_session, db_session.begin():
            await db_session.execute(
                update(Cohort).where(Cohort.id == cohort_id).values(offered_count=Cohort.capacity)
            )
