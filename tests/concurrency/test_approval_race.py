"""Bulk bookings, bookings pending approval, approvals, rejections, cancellations and expiries,
all at once on three apps (docs/contract.md, Schools and staff).

A cohort of 10. School A approves its staff's bookings: its 8 teachers book themselves (each
held pending approval while a seat is free). School B's lead books its 8 staff in one bulk
request. 6 teachers of no school book too. Then, at once: A's lead approves some and rejects
others, B's first confirmed staff cancel, and expiry sweepers run; then the rest of A's pending
bookings pass their approval time while the lead tries to approve them and sweepers race.

Proved from the rows: confirmed + offered + pending never exceeds capacity, the counters equal
the rows, nothing is left pending once every approval time has passed (a seat freed by an expiry
may go to one of A's waiting teachers, pending again), and no seat stays free while anyone
waits.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from sqlalchemy import select

from booking.database import create_sessionmaker
from booking.models import Booking, BookingStatus, Cohort
from booking.services.seating import Seating
from tests.support.engine import published_cohort
from tests.support.factories import bearer
from tests.support.race import assert_no_server_errors, book, cancel, emails, race
from tests.support.schools import add_staff, create_lead, create_school
from tests.support.sign_in import signed_in

CAPACITY = 10


async def school_with_staff(http, admin, name, *, approval):
    school = await create_school(http, admin, name=name)
    if approval:
        await http.patch(
            f"/api/v1/schools/{school['id']}",
            json={"approval_required": True},
            headers=bearer(admin),
        )
    lead = (await create_lead(http, admin, school["id"], f"lead@{name}.example"))["api_token"]
    addresses = [f"t{i}@{name}.example" for i in range(8)]
    staff = [await add_staff(http, lead, school["id"], a) for a in addresses]
    return lead, staff, await signed_in(http, addresses)


async def rows(engine, cohort_id):
    async with engine.connect() as conn:
        cohort = (
            await conn.execute(
                select(
                    Cohort.capacity,
                    Cohort.confirmed_count,
                    Cohort.offered_count,
                    Cohort.pending_count,
                ).where(Cohort.id == cohort_id)
            )
        ).one()
        bookings = (
            await conn.execute(
                select(Booking.id, Booking.status).where(Booking.cohort_id == cohort_id)
            )
        ).all()
        await conn.rollback()
    by_status: dict[str, list[str]] = {}
    for booking_id, status in bookings:
        by_status.setdefault(str(status), []).append(booking_id)
    return cohort, by_status


def check(cohort, by_status):
    held = {s: len(by_status.get(s, [])) for s in ("confirmed", "offered", "pending_approval")}
    assert sum(held.values()) <= cohort.capacity, (cohort, held)
    assert (cohort.confirmed_count, cohort.offered_count, cohort.pending_count) == (
        held["confirmed"],
        held["offered"],
        held["pending_approval"],
    ), (cohort, held)


async def sweep(engine, clock, times=3):
    async def once():
        async with create_sessionmaker(engine)() as db_session:
            await Seating(clock).expire_due_approvals(db_session)
        async with create_sessionmaker(engine)() as db_session:
            await Seating(clock).retry_deferred_promotions(db_session)

    await race([once for _ in range(times)])


async def test_approvals_bulk_and_cancellations_at_once_keep_every_seat_rule(
    clients, world, start, engine, clock
):
    # Approvals lapse after an hour: the clock moves on by hours, far outside the promotion
    # cutoff (24 hours before the first session), where freed seats go to the waitlist.
    cohort = await published_cohort(
        clients[0], world, start, capacity=CAPACITY, approval_ttl="PT1H"
    )
    lead_a, _, staff_a = await school_with_staff(clients[0], world.admin, "ash", approval=True)
    lead_b, users_b, staff_b = await school_with_staff(
        clients[0], world.admin, "birch", approval=False
    )
    loners = await signed_in(clients[0], emails("loner", 6))

    async def bulk_b():
        return await clients[1].post(
            f"/api/v1/cohorts/{cohort['id']}/bookings/bulk",
            json={"teacher_ids": [u["id"] for u in users_b]},
            headers=bearer(lead_b),
        )

    singles = [*staff_a, *loners]
    first = await race(
        [
            bulk_b,
            *(partial(book, clients[i % 3], t, cohort["id"]) for i, t in enumerate(singles)),
        ]
    )
    assert_no_server_errors(first)
    state, by_status = await rows(engine, cohort["id"])
    check(state, by_status)
    assert state.confirmed_count + state.offered_count + state.pending_count == CAPACITY, by_status

    pending = by_status.get("pending_approval", [])
    answers = []
    for i, booking_id in enumerate(pending):
        if i % 3 == 0:
            answers.append(
                partial(
                    clients[i % 3].post,
                    f"/api/v1/bookings/{booking_id}/approve",
                    headers=bearer(lead_a),
                )
            )
        elif i % 3 == 1:
            answers.append(
                partial(
                    clients[i % 3].post,
                    f"/api/v1/bookings/{booking_id}/reject",
                    json={"reason": "No cover"},
                    headers=bearer(lead_a),
                )
            )
    b_results = first[0].json()["results"]
    b_confirmed = [
        (staff_b[i], r["booking"]["id"])
        for i, r in enumerate(b_results)
        if r["booking"] and r["booking"]["status"] == "confirmed"
    ][:3]
    cancels = [partial(cancel, clients[i % 3], t, b) for i, (t, b) in enumerate(b_confirmed)]
    second = await race([*answers, *cancels, partial(sweep, engine, clock)])
    assert_no_server_errors([r for r in second if r is not None])
    state, by_status = await rows(engine, cohort["id"])
    check(state, by_status)

    left = by_status.get("pending_approval", [])
    clock.advance(timedelta(hours=1, seconds=1))
    late = [
        partial(clients[i % 3].post, f"/api/v1/bookings/{b}/approve", headers=bearer(lead_a))
        for i, b in enumerate(left)
    ]
    third = await race([*late, partial(sweep, engine, clock)])
    assert all(r is None or r.status_code == 409 for r in third), [
        r.text for r in third if r is not None and r.status_code != 409
    ]
    await sweep(engine, clock, times=1)
    # A seat freed by an expiry may seat one of A's waiting teachers, pending approval again:
    # let those lapse too, until nothing is pending.
    for _ in range(CAPACITY):
        state, by_status = await rows(engine, cohort["id"])
        check(state, by_status)
        if not by_status.get("pending_approval"):
            break
        clock.advance(timedelta(hours=1, seconds=1))
        await sweep(engine, clock, times=2)
    # A walk that found a teacher busy in another transaction left its promotion for a second
    # later (PROMOTION_RETRY); the frozen clock moves on so the sweep finishes it.
    for _ in range(3):
        clock.advance(timedelta(seconds=2))
        await sweep(engine, clock, times=1)
    state, by_status = await rows(engine, cohort["id"])
    check(state, by_status)
    assert by_status.get("pending_approval", []) == []
    if by_status.get("waitlisted"):
        assert state.confirmed_count + state.offered_count == CAPACITY, by_status
    assert set(left) <= set(by_status.get("expired", []))
    assert str(BookingStatus.CONFIRMED) in by_status
