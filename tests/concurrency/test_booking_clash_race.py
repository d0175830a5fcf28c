"""A teacher booking two cohorts whose sessions overlap, both at the same instant.

booking_clash is not overridable (docs/contract.md): a teacher cannot hold seats in two sessions at
once. Sequentially the second booking sees the first and is refused. Racing, each booking holds only
its own cohort's lock, so the clash check must still see the other booking (or bookings must be
serialised per teacher). Twenty teachers each fire both bookings at once; afterwards no teacher
may hold a seat (confirmed or offered) in both cohorts, and each got one 201 and one 409
booking_clash.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from booking.models import BookingStatus
from tests.support.engine import ALL_WEEK, published_cohort
from tests.support.factories import bearer, create_user, create_venue
from tests.support.race import (
    assert_invariants,
    assert_no_server_errors,
    book,
    cohort_state,
    emails,
    interleave,
    outcomes,
    race,
)
from tests.support.sign_in import signed_in


async def overlapping_cohort(http, world, start):
    """A second cohort, another trainer in another room, starting an hour into the first."""
    trainer = await create_user(http, world.admin, "tom@example.org", "trainer", world.hub["id"])
    response = await http.put(
        f"/api/v1/trainers/{trainer['user']['id']}/availability",
        json={"timezone": "Europe/London", "weekly": ALL_WEEK},
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 200, response.text
    room = await create_venue(http, world.hub_admin, world.hub["id"], name="Room 2", capacity=30)
    return await published_cohort(
        http,
        world,
        start + timedelta(hours=1),
        capacity=25,
        trainer_id=trainer["user"]["id"],
        venue_id=room["id"],
    )


async def test_booking_two_overlapping_cohorts_at_once_gives_a_seat_in_only_one(
    http, world, start, mail_dir, engine
):
    first = await published_cohort(http, world, start, capacity=25)
    second = await overlapping_cohort(http, world, start)
    tokens = await signed_in(http, emails("t", 20))

    responses = await race(
        interleave(
            [partial(book, http, t, first["id"]) for t in tokens],
            [partial(book, http, t, second["id"]) for t in tokens],
        )
    )

    assert_no_server_errors(responses)
    states = [await cohort_state(engine, c["id"]) for c in (first, second)]
    for state in states:
        assert_invariants(state)
    double = states[0].teachers(BookingStatus.CONFIRMED) & states[1].teachers(
        BookingStatus.CONFIRMED
    )
    assert not double, (
        f"{len(double)} of 20 teachers hold seats in two overlapping sessions; "
        f"responses: {dict(outcomes(responses))}"
    )
    assert outcomes(responses) == {(201, "confirmed"): 20, (409, "booking_clash"): 20}
