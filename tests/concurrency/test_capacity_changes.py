"""The hub admin changes a cohort's capacity up and down while 40 teachers book it.

A capacity change takes the same cohort lock as a booking: a drop below the seats already held
is refused (409 capacity_below_bookings) and a rise hands the new seats to the waitlist at once.
Proves: never a 5xx; every change is 200 or that 409; the final capacity is the one a
successful change set; with it, confirmed + offered <= capacity, counters equal rows, and no
seat is left free while teachers wait.
"""

from __future__ import annotations

from functools import partial

from tests.support.engine import published_cohort
from tests.support.factories import bearer
from tests.support.race import (
    assert_invariants,
    assert_no_server_errors,
    assert_roster_agrees,
    book,
    cohort_state,
    emails,
    interleave,
    outcome,
    race,
)
from tests.support.sign_in import signed_in

# Up and down around the starting 10; the venue holds 30.
CAPACITIES = [14, 6, 20, 9, 25, 12, 4, 16]


async def test_capacity_changes_during_a_rush_keep_every_invariant(
    clients, world, start, mail_dir, engine, in_flight
):
    cohort = await published_cohort(clients[0], world, start, capacity=10)
    cid = cohort["id"]
    tokens = await signed_in(clients[0], emails("t", 40))

    async def change(capacity, client):
        return await client.patch(
            f"/api/v1/cohorts/{cid}", json={"capacity": capacity}, headers=bearer(world.hub_admin)
        )

    bookings = [("book", partial(book, clients[i % 3], t, cid)) for i, t in enumerate(tokens)]
    changes = [("change", partial(change, c, clients[i % 3])) for i, c in enumerate(CAPACITIES)]
    # Five bookings between changes, so the changes land all through the rush.
    tagged = interleave(*(bookings[i::5] for i in range(5)), changes)
    responses = await race([call for _, call in tagged])

    # As in the three-app rush (test_booking_rush): three requests inside the booking at once is
    # already a race; more was usual, but on a loaded 2-core machine SQLite runs showed 3 and 4
    # (a request waits for the write lock at its rate-limit count as often as in the booking).
    assert in_flight.most >= 3, f"the requests did not overlap ({in_flight.most} at most)"
    assert_no_server_errors(responses)
    booked = [outcome(r) for (kind, _), r in zip(tagged, responses, strict=True) if kind == "book"]
    changed = [r for (kind, _), r in zip(tagged, responses, strict=True) if kind == "change"]
    assert set(booked) <= {(201, "confirmed"), (201, "waitlisted")}
    assert {(r.status_code, r.json().get("code")) for r in changed if r.status_code != 200} <= {
        (409, "capacity_below_bookings")
    }
    state = await cohort_state(engine, cid)
    assert state.capacity in {10} | {r.json()["capacity"] for r in changed if r.status_code == 200}
    assert_invariants(state, no_idle_seat_while_waiting=True)
    assert state.confirmed + len(state.waitlist) == 40
    await assert_roster_agrees(clients[0], world.hub_admin, cid, state)
