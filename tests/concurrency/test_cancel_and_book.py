"""Seats freed and taken at the same instant: cancels, new bookings, re-bookings and answers to
offers all racing on one full cohort (capacity 10, ten waiting in a known join order).

- auto mode: five holders cancel while ten newcomers book and all ten waiters book again. Every
  freed seat must go to the five earliest waiters (FIFO), the newcomers queue behind the rest,
  re-bookings are 409 already_booked (no seat is ever free while someone waits), counters equal
  rows.
- offer mode: the same rush turns the freed seats into offers to the five earliest waiters;
  confirmed + offered never exceeds capacity.
- offer mode, second wave: accepts, declines and cancels race with newcomers; each seat a decline
  or cancel frees is offered to the next waiter in join order, never to a newcomer.
- inside the promotion cutoff nobody is promoted: the freed seats are bookable again and the
  racers (waiters re-booking, newcomers) win at most as many as were freed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from booking.models import BookingStatus
from tests.support.engine import published_cohort
from tests.support.race import (
    answer_offer,
    assert_invariants,
    assert_no_server_errors,
    assert_roster_agrees,
    book,
    cancel,
    cohort_state,
    emails,
    interleave,
    outcome,
    race,
)
from tests.support.sign_in import signed_in


@dataclass(frozen=True)
class Teacher:
    token: str
    booking_id: str
    id: str


@dataclass(frozen=True)
class Crowd:
    cohort_id: str
    holders: list[Teacher]  # confirmed, in booking order
    waiters: list[Teacher]  # waitlisted, in join order
    newcomers: list[str]  # tokens of teachers with no booking yet


async def full_cohort_with_waitlist(http, world, start, mail_dir, **options) -> Crowd:
    cohort = await published_cohort(http, world, start, capacity=10, **options)
    tokens = await signed_in(http, emails("h", 10) + emails("w", 10) + emails("n", 10))
    booked, statuses = [], []
    for token in tokens[:20]:  # one by one: the join order is known
        response = await book(http, token, cohort["id"])
        assert response.status_code == 201, response.text
        body = response.json()
        booked.append(Teacher(token, body["id"], body["teacher_id"]))
        statuses.append(body["status"])
    assert statuses == ["confirmed"] * 10 + ["waitlisted"] * 10
    return Crowd(cohort["id"], booked[:10], booked[10:], tokens[20:])


async def run_tagged(tagged):
    """Race (kind, call) pairs; return kind -> list of (status, outcome) and the responses."""
    responses = await race([call for _, call in tagged])
    assert_no_server_errors(responses)
    results = defaultdict(list)
    for (kind, _), response in zip(tagged, responses, strict=True):
        results[kind].append((outcome(response), response))
    return results


def kinds(results, kind):
    return [o for o, _ in results[kind]]


def ids(teachers):
    return [t.id for t in teachers]


async def test_auto_mode_freed_seats_go_to_the_earliest_waiters_while_others_book(
    http, world, start, mail_dir, engine, in_flight
):
    crowd = await full_cohort_with_waitlist(http, world, start, mail_dir)
    cid = crowd.cohort_id
    results = await run_tagged(
        interleave(
            [("cancel", partial(cancel, http, h.token, h.booking_id)) for h in crowd.holders[:5]],
            [("new", partial(book, http, t, cid)) for t in crowd.newcomers],
            [("again", partial(book, http, w.token, cid)) for w in crowd.waiters],
        )
    )

    assert in_flight.most >= 5
    assert kinds(results, "cancel") == [(200, "cancelled")] * 5
    assert kinds(results, "new") == [(201, "waitlisted")] * 10
    assert kinds(results, "again") == [(409, "already_booked")] * 10
    state = await cohort_state(engine, cid)
    assert_invariants(state, no_idle_seat_while_waiting=True)
    assert state.teachers(BookingStatus.CONFIRMED) == set(
        ids(crowd.holders[5:] + crowd.waiters[:5])
    )
    assert state.waitlist[:5] == ids(crowd.waiters[5:])
    assert set(state.waitlist[5:]) == {r.json()["teacher_id"] for _, r in results["new"]}
    await assert_roster_agrees(http, world.hub_admin, cid, state)


async def test_offer_mode_freed_seats_become_offers_to_the_earliest_waiters(
    http, world, start, mail_dir, engine
):
    crowd = await full_cohort_with_waitlist(
        http, world, start, mail_dir, waitlist_mode="offer", offer_ttl="PT2H"
    )
    cid = crowd.cohort_id
    results = await run_tagged(
        interleave(
            [("cancel", partial(cancel, http, h.token, h.booking_id)) for h in crowd.holders[:5]],
            [("new", partial(book, http, t, cid)) for t in crowd.newcomers],
            [("again", partial(book, http, w.token, cid)) for w in crowd.waiters],
        )
    )

    assert kinds(results, "cancel") == [(200, "cancelled")] * 5
    assert kinds(results, "new") == [(201, "waitlisted")] * 10
    assert kinds(results, "again") == [(409, "already_booked")] * 10
    state = await cohort_state(engine, cid)
    assert_invariants(state, no_idle_seat_while_waiting=True)
    assert (state.confirmed, state.offered) == (5, 5)
    assert state.teachers(BookingStatus.CONFIRMED) == set(ids(crowd.holders[5:]))
    assert state.teachers(BookingStatus.OFFERED) == set(ids(crowd.waiters[:5]))
    assert state.waitlist[:5] == ids(crowd.waiters[5:])
    await assert_roster_agrees(http, world.hub_admin, cid, state)


async def test_offer_mode_accepts_declines_and_cancels_at_once_offer_in_join_order(
    http, world, start, mail_dir, engine
):
    crowd = await full_cohort_with_waitlist(
        http, world, start, mail_dir, waitlist_mode="offer", offer_ttl="PT2H"
    )
    cid = crowd.cohort_id
    for h in crowd.holders[:5]:  # offers to the five earliest waiters
        assert (await cancel(http, h.token, h.booking_id)).status_code == 200
    w = crowd.waiters
    results = await run_tagged(
        interleave(
            [
                ("accept", partial(answer_offer, http, t.token, t.booking_id, "accept"))
                for t in w[:3]
            ]
            + [
                ("decline", partial(answer_offer, http, t.token, t.booking_id, "decline"))
                for t in w[3:5]
            ],
            [("cancel", partial(cancel, http, h.token, h.booking_id)) for h in crowd.holders[5:7]],
            [("new", partial(book, http, t, cid)) for t in crowd.newcomers[:5]],
        )
    )

    assert kinds(results, "accept") == [(200, "confirmed")] * 3
    assert kinds(results, "decline") == [(200, "cancelled")] * 2
    assert kinds(results, "cancel") == [(200, "cancelled")] * 2
    assert kinds(results, "new") == [(201, "waitlisted")] * 5
    state = await cohort_state(engine, cid)
    assert_invariants(state, no_idle_seat_while_waiting=True)
    assert state.teachers(BookingStatus.CONFIRMED) == set(ids(crowd.holders[7:] + w[:3]))
    # Four seats freed (two declines, two cancels): offered to the next four in join order.
    assert state.teachers(BookingStatus.OFFERED) == set(ids(w[5:9]))
    assert state.waitlist[0] == w[9].id
    assert len(state.waitlist) == 6
    await assert_roster_agrees(http, world.hub_admin, cid, state)


async def test_inside_the_cutoff_freed_seats_go_to_racers_never_more_than_were_freed(
    http, world, clock, mail_dir, engine
):
    # The first session starts in 20 hours: inside the default 24-hour promotion cutoff.
    crowd = await full_cohort_with_waitlist(
        http, world, clock.now() + timedelta(hours=20), mail_dir
    )
    cid = crowd.cohort_id
    results = await run_tagged(
        interleave(
            [("cancel", partial(cancel, http, h.token, h.booking_id)) for h in crowd.holders[:5]],
            [("new", partial(book, http, t, cid)) for t in crowd.newcomers],
            [("again", partial(book, http, w.token, cid)) for w in crowd.waiters],
        )
    )

    assert kinds(results, "cancel") == [(200, "cancelled")] * 5
    assert set(kinds(results, "again")) <= {(200, "confirmed"), (409, "already_booked")}
    assert set(kinds(results, "new")) <= {(201, "confirmed"), (201, "waitlisted")}
    winners = {
        r.json()["teacher_id"]
        for kind, expected in (("again", (200, "confirmed")), ("new", (201, "confirmed")))
        for o, r in results[kind]
        if o == expected
    }
    assert len(winners) <= 5
    state = await cohort_state(engine, cid)
    assert_invariants(state)
    # Nobody was promoted: every seat is a holder who stayed or a racer who asked for it.
    assert state.teachers(BookingStatus.CONFIRMED) == set(ids(crowd.holders[5:])) | winners
    assert state.waitlist[: 10 - len(winners & set(ids(crowd.waiters)))] == [
        t for t in ids(crowd.waiters) if t not in winners
    ]
    await assert_roster_agrees(http, world.hub_admin, cid, state)
