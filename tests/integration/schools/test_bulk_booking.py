"""A lead books several staff at once (docs/contract.md, Schools and staff)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.dispatch import settle
from tests.support.engine import build_world, published_cohort
from tests.support.factories import bearer
from tests.support.mail import calendar_part, text_part, to
from tests.support.schools import add_staff, create_lead, create_school
from tests.support.sign_in import signed_in

LEAD = "lead@school.example"


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


@pytest.fixture
async def school(client, world):
    return await create_school(client, world.admin)


@pytest.fixture
async def lead(client, world, school):
    return (await create_lead(client, world.admin, school["id"], LEAD))["api_token"]


async def bulk(client, token, cohort_id, teacher_ids, **extra):
    return await client.post(
        f"/api/v1/cohorts/{cohort_id}/bookings/bulk",
        json={"teacher_ids": teacher_ids} | extra,
        headers=bearer(token),
    )


async def test_results_in_order_with_each_persons_mail_and_one_summary(
    client, world, school, lead, clock, mail_dir
):
    staff = [
        await add_staff(client, lead, school["id"], f"{n}@school.example")
        for n in ("ann", "bob", "cat")
    ]
    [outsider] = await signed_in(client, ["out@elsewhere.example"])
    outsider_id = (await client.get("/api/v1/me", headers=bearer(outsider))).json()["id"]
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=7), capacity=1)
    ids = [s["id"] for s in staff]

    response = await bulk(client, lead, cohort["id"], [*ids, outsider_id, "nobody", ids[0]])

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["teacher_id"] for r in results] == [*ids, outsider_id, "nobody", ids[0]]
    assert [r["booking"]["status"] if r["booking"] else None for r in results] == [
        "confirmed",
        "waitlisted",
        "waitlisted",
        None,
        None,
        None,
    ]
    assert [r["booking"]["waitlist_position"] for r in results[1:3]] == [1, 2]
    assert [r["problem"]["code"] if r["problem"] else None for r in results] == [
        None,
        None,
        None,
        "forbidden",
        "not_found",
        "already_booked",
    ]

    await settle(client)
    [ann_invite] = to(mail_dir, "ann@school.example")
    assert calendar_part(ann_invite) is not None
    [bob_mail] = to(mail_dir, "bob@school.example")
    assert "waitlist" in bob_mail["Subject"].lower()
    assert to(mail_dir, "out@elsewhere.example") == []
    [summary] = to(mail_dir, LEAD)
    assert summary["Subject"].startswith("Staff bookings:")
    body = " ".join(text_part(summary).split())
    assert "You asked for 6 of your staff" in body
    assert "1 has a place" in body
    assert "not one of your school's staff" in body
    assert body.index("Ann") < body.index("Bob") < body.index("Cat")


async def test_a_timetable_clash_fails_that_teacher_unless_accepted(
    client, world, school, lead, clock
):
    ann = await add_staff(client, lead, school["id"], "ann@school.example")
    bob = await add_staff(client, lead, school["id"], "bob@school.example")
    start = clock.now() + timedelta(days=7)
    [ann_token] = await signed_in(client, ["ann@school.example"])
    busy = {
        "timezone": "UTC",
        "weekly": [{"day": start.strftime("%a").lower(), "start": "00:00", "end": "23:59"}],
    }
    put = await client.put("/api/v1/me/timetable", json=busy, headers=bearer(ann_token))
    assert put.status_code == 200, put.text
    cohort = await published_cohort(client, world, start, capacity=5)

    first = (await bulk(client, lead, cohort["id"], [ann["id"], bob["id"]])).json()["results"]
    assert first[0]["problem"]["code"] == "timetable_clash"
    assert first[1]["booking"]["status"] == "confirmed"
    again = (await bulk(client, lead, cohort["id"], [ann["id"]], accept_clashes=True)).json()[
        "results"
    ]
    assert again[0]["booking"]["status"] == "confirmed"
    assert again[0]["booking"]["clashes"]


async def test_the_school_cap_applies_to_a_bulk_booking(client, world, school, lead, clock):
    staff = [await add_staff(client, lead, school["id"], f"t{i}@school.example") for i in range(3)]
    cohort = await published_cohort(
        client, world, clock.now() + timedelta(days=7), capacity=5, max_per_school=2
    )
    results = (await bulk(client, lead, cohort["id"], [s["id"] for s in staff])).json()["results"]
    assert [(r["booking"]["status"], r["booking"]["waitlist_reason"]) for r in results] == [
        ("confirmed", None),
        ("confirmed", None),
        ("waitlisted", "school_cap"),
    ]


async def test_the_cohort_failing_fails_the_whole_request(client, world, school, lead, clock):
    ann = await add_staff(client, lead, school["id"], "ann@school.example")
    missing = await bulk(client, lead, "nope", [ann["id"]])
    assert missing.status_code == 404
    cohort = await published_cohort(client, world, clock.now() + timedelta(hours=2))
    clock.advance(timedelta(hours=3))
    closed = await bulk(client, lead, cohort["id"], [ann["id"]])
    assert closed.status_code == 409
    assert closed.json()["code"] == "booking_closed"


async def test_who_may_book_staff(client, world, school, lead, clock):
    ann = await add_staff(client, lead, school["id"], "ann@school.example")
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=7))
    [teacher] = await signed_in(client, ["t@school.example"])
    for token in (teacher, world.hub_admin):
        assert (await bulk(client, token, cohort["id"], [ann["id"]])).status_code == 403
    as_admin = await bulk(client, world.admin, cohort["id"], [ann["id"]])
    assert as_admin.json()["results"][0]["booking"]["status"] == "confirmed"
    assert (await bulk(client, lead, cohort["id"], [])).status_code == 400
    too_many = await bulk(client, lead, cohort["id"], ["x"] * 201)
    assert too_many.status_code == 400


async def test_a_retry_with_the_same_key_gets_the_same_answer(client, world, school, lead, clock):
    ann = await add_staff(client, lead, school["id"], "ann@school.example")
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=7))
    key = {"Idempotency-Key": "bulk-1"}
    first = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings/bulk",
        json={"teacher_ids": [ann["id"]]},
        headers=bearer(lead) | key,
    )
    again = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings/bulk",
        json={"teacher_ids": [ann["id"]]},
        headers=bearer(lead) | key,
    )
    assert first.json() == again.json()
    assert again.json()["results"][0]["booking"]["status"] == "confirmed"
    other = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings/bulk",
        json={"teacher_ids": [ann["id"]], "accept_clashes": True},
        headers=bearer(lead) | key,
    )
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reuse"
