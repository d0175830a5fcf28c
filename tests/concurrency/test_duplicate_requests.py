"""One teacher sending the same booking many times at once, spread over three apps.

- Without a key: the cohort lock makes the second request see the first's booking, so exactly
  one booking exists and every other request is 409 already_booked (the partial unique index
  would turn a slip into a 409 conflict; the exact code shows the rule check caught it).
- With one Idempotency-Key: the requests queue on the key (advisory lock on PostgreSQL,
  BEGIN IMMEDIATE on SQLite), the first books and records its answer, and every other one
  replays it: ten identical 201 responses naming one booking.
"""

from __future__ import annotations

from functools import partial

from tests.support.engine import published_cohort
from tests.support.race import (
    assert_invariants,
    assert_no_server_errors,
    book,
    cohort_state,
    outcomes,
    race,
)
from tests.support.sign_in import signed_in


async def test_ten_identical_bookings_at_once_make_one_booking_and_nine_already_booked(
    clients, world, start, mail_dir, engine
):
    cohort = await published_cohort(clients[0], world, start, capacity=5)
    [token] = await signed_in(clients[0], ["t@school.example"])

    responses = await race([partial(book, clients[i % 3], token, cohort["id"]) for i in range(10)])

    assert_no_server_errors(responses)
    assert outcomes(responses) == {(201, "confirmed"): 1, (409, "already_booked"): 9}
    state = await cohort_state(engine, cohort["id"])
    assert_invariants(state)
    assert len(state.rows) == 1
    assert state.confirmed == 1


async def test_ten_duplicates_with_one_idempotency_key_all_answer_the_same_201(
    clients, world, start, mail_dir, engine
):
    cohort = await published_cohort(clients[0], world, start, capacity=5)
    [token] = await signed_in(clients[0], ["t@school.example"])
    key = {"Idempotency-Key": "rush-7f3a"}

    responses = await race(
        [partial(book, clients[i % 3], token, cohort["id"], key) for i in range(10)]
    )

    assert_no_server_errors(responses)
    assert [r.status_code for r in responses] == [201] * 10
    bodies = [r.json() for r in responses]
    assert all(body == bodies[0] for body in bodies), bodies
    state = await cohort_state(engine, cohort["id"])
    assert_invariants(state)
    assert [row.id for row in state.rows] == [bodies[0]["id"]]
    assert state.confirmed == 1
