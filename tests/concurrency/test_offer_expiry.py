"""Offers running out while their owners try to accept them and several expiry runners sweep.

Five offers (offer mode, capacity 5, ten waiting) pass their expiry time. Expiry runners
(Seating.expire_due_offers, as every process's scheduler runs it, each on a session of
its own; the apps' own schedulers may join in) sweep at the same time. Each expiry takes the
cohort lock and re-reads the offer under it, so each offer expires exactly once and each freed
seat is offered exactly once, to the next waiter in join order.

- Owners accepting at the moment of expiry: every accept is 409 offer_expired.
- Five sweepers racing each other: between them they expire each offer once.

Both prove from the rows and the outbox: the expired offers are the first five waiters', the
next five waiters hold the offers, one OfferExpired event per offer, one BookingOffered per
offer made, counters equal rows.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from functools import partial

from sqlalchemy import select

from booking.models import BookingStatus, OutboxEvent
from booking.services.seating import Seating
from tests.support.engine import published_cohort
from tests.support.race import (
    answer_offer,
    assert_invariants,
    assert_no_server_errors,
    book,
    cancel,
    cohort_state,
    emails,
    outcomes,
    race,
)
from tests.support.sign_in import signed_in


async def five_due_offers(http, world, start, mail_dir, clock):
    """Offer mode, capacity 5: five offers to the earliest of ten waiters, all now due.
    Returns the cohort id and the waiters as (token, booking) in join order."""
    cohort = await published_cohort(
        http, world, start, capacity=5, waitlist_mode="offer", offer_ttl="PT2H"
    )
    tokens = await signed_in(http, emails("t", 15))
    booked = []
    for token in tokens:  # one by one: 5 confirmed, then 10 waiting in a known order
        response = await book(http, token, cohort["id"])
        assert response.status_code == 201, response.text
        booked.append((token, response.json()))
    for token, body in booked[:5]:  # five offers, to the five earliest waiters
        assert (await cancel(http, token, body["id"])).status_code == 200
    clock.advance(timedelta(hours=2))
    return cohort["id"], booked[5:]


def sweeper(sessionmaker, clock):
    async def sweep():
        async with sessionmaker() as db_session:
            return await Seating(clock).expire_due_offers(db_session)

    return sweep


async def assert_each_seat_passed_on_once(engine, sessionmaker, cid, waiters):
    state = await cohort_state(engine, cid)
    assert_invariants(state, no_idle_seat_while_waiting=True)
    ids = [b["teacher_id"] for _, b in waiters]
    assert state.teachers(BookingStatus.EXPIRED) == set(ids[:5])
    assert state.teachers(BookingStatus.OFFERED) == set(ids[5:])
    assert (state.confirmed, state.offered, state.waitlist) == (0, 5, [])
    async with sessionmaker() as db_session:
        events = (
            await db_session.scalars(
                select(OutboxEvent).where(OutboxEvent.kind.in_(["OfferExpired", "BookingOffered"]))
            )
        ).all()
    expired = Counter(e.payload["booking_id"] for e in events if e.kind == "OfferExpired")
    offered = Counter(e.payload["booking_id"] for e in events if e.kind == "BookingOffered")
    assert sorted(expired.values()) == [1] * 5, expired
    assert sorted(offered.values()) == [1] * 10, offered


async def test_accepting_while_offers_expire_and_sweepers_run_is_offer_expired_for_all(
    http, world, start, mail_dir, engine, sessionmaker, clock
):
    cid, waiters = await five_due_offers(http, world, start, mail_dir, clock)
    calls = [partial(answer_offer, http, t, b["id"], "accept") for t, b in waiters[:5]]
    calls += [sweeper(sessionmaker, clock) for _ in range(3)]

    results = await race(calls)

    accepts = results[:5]
    assert_no_server_errors(accepts)
    assert outcomes(accepts) == {(409, "offer_expired"): 5}
    await assert_each_seat_passed_on_once(engine, sessionmaker, cid, waiters)


async def test_sweepers_racing_each_other_expire_each_offer_once(
    http, world, start, mail_dir, engine, sessionmaker, clock
):
    cid, waiters = await five_due_offers(http, world, start, mail_dir, clock)

    done = await race([sweeper(sessionmaker, clock) for _ in range(5)])

    # The apps' own schedulers may have expired some first; nobody expires one twice.
    assert sum(done) <= 5
    await assert_each_seat_passed_on_once(engine, sessionmaker, cid, waiters)
