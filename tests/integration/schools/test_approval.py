"""A school approving its staff's own bookings (docs/contract.md, Schools and staff)."""

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
    school = await create_school(client, world.admin)
    response = await client.patch(
        f"/api/v1/schools/{school['id']}",
        json={"approval_required": True},
        headers=bearer(world.admin),
    )
    assert response.status_code == 200
    return school


@pytest.fixture
async def lead(client, world, school):
    return (await create_lead(client, world.admin, school["id"], LEAD))["api_token"]


@pytest.fixture
async def staff(client, school, lead):
    """Two teachers of the school, signed in: [(token, user), ...]."""
    users = [
        await add_staff(client, lead, school["id"], f"{n}@school.example") for n in ("ann", "bob")
    ]
    tokens = await signed_in(client, [u["email"] for u in users])
    return list(zip(tokens, users, strict=True))


async def book(client, token, cohort_id):
    response = await client.post(f"/api/v1/cohorts/{cohort_id}/bookings", headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()


async def answer(client, token, booking_id, verb, **body):
    return await client.post(
        f"/api/v1/bookings/{booking_id}/{verb}", json=body or None, headers=bearer(token)
    )


async def seats_left(client, world, cohort_id):
    cohort = await client.get(f"/api/v1/cohorts/{cohort_id}", headers=bearer(world.hub_admin))
    return cohort.json()["seats_left"]


async def test_a_pending_booking_holds_its_seat_and_approval_confirms_it(
    client, world, school, lead, staff, clock, mail_dir
):
    (ann, ann_user), _ = staff
    # Tuesday 19 January 2027, 10:00 UTC: in the school day.
    cohort = await published_cohort(
        client, world, clock.now() + timedelta(days=8, hours=1), capacity=2, approval_ttl="P2D"
    )
    pending = await book(client, ann, cohort["id"])
    assert pending["status"] == "pending_approval"
    assert pending["approval_expires_at"] == (clock.now() + timedelta(days=2)).isoformat().replace(
        "+00:00", "Z"
    )
    assert await seats_left(client, world, cohort["id"]) == 1

    listed = await client.get(f"/api/v1/schools/{school['id']}/approvals", headers=bearer(lead))
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert (item["booking"]["id"], item["teacher"]["email"]) == (pending["id"], ann_user["email"])
    assert item["course_title"] == "Autism in the classroom"
    assert item["sessions"][0]["during_school_day"] is True
    assert item["sessions_during_school_day"] == 1

    await settle(client)
    [waiting_mail] = to(mail_dir, "ann@school.example")
    assert waiting_mail["Subject"].startswith("Waiting for approval")
    [ask] = to(mail_dir, LEAD)
    assert "cover needed" in " ".join(text_part(ask).split())

    approved = await answer(client, lead, pending["id"], "approve")
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["approval_expires_at"]) == (
        "confirmed",
        None,
    )
    assert await seats_left(client, world, cohort["id"]) == 1
    again = await answer(client, lead, pending["id"], "approve")
    assert (again.status_code, again.json()["code"]) == (409, "not_pending")
    await settle(client)
    invite = to(mail_dir, "ann@school.example")[-1]
    assert calendar_part(invite) is not None
    listed = await client.get(f"/api/v1/schools/{school['id']}/approvals", headers=bearer(lead))
    assert listed.json()["items"] == []


async def test_rejection_frees_the_seat_for_the_waitlist_and_tells_the_reason(
    client, world, lead, staff, clock, mail_dir
):
    (ann, _), _ = staff
    [outsider] = await signed_in(client, ["out@elsewhere.example"])
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=8), capacity=1)
    pending = await book(client, ann, cohort["id"])
    waiting = await book(client, outsider, cohort["id"])
    assert waiting["status"] == "waitlisted"

    refused = await answer(client, lead, pending["id"], "reject", reason="No cover that week")
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "cancelled"
    seated = await client.get(f"/api/v1/bookings/{waiting['id']}", headers=bearer(outsider))
    assert seated.json()["status"] == "confirmed"
    await settle(client)
    rejected = to(mail_dir, "ann@school.example")[-1]
    assert rejected["Subject"].startswith("Not approved")
    assert "No cover that week" in text_part(rejected)
    blank = await answer(client, lead, pending["id"], "reject", reason="  ")
    assert blank.status_code == 400


async def test_unanswered_it_expires_and_the_seat_moves_on(
    client, world, lead, staff, clock, mail_dir
):
    (ann, _), _ = staff
    [outsider] = await signed_in(client, ["out@elsewhere.example"])
    cohort = await published_cohort(
        client, world, clock.now() + timedelta(days=8), capacity=1, approval_ttl="PT6H"
    )
    pending = await book(client, ann, cohort["id"])
    waiting = await book(client, outsider, cohort["id"])
    clock.advance(timedelta(hours=6, seconds=1))
    await settle(client)
    mine = await client.get(f"/api/v1/bookings/{pending['id']}", headers=bearer(ann))
    assert mine.json()["status"] == "expired"
    seated = await client.get(f"/api/v1/bookings/{waiting['id']}", headers=bearer(outsider))
    assert seated.json()["status"] == "confirmed"
    assert to(mail_dir, "ann@school.example")[-1]["Subject"].startswith("Approval expired")
    late = await answer(client, lead, pending["id"], "approve")
    assert (late.status_code, late.json()["code"]) == (409, "not_pending")


async def test_bookings_a_lead_makes_need_no_approval(client, world, school, lead, staff, clock):
    _, (_, bob_user) = staff
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=8), capacity=5)
    own = await book(client, lead, cohort["id"])
    assert own["status"] == "confirmed"
    bulk = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings/bulk",
        json={"teacher_ids": [bob_user["id"]]},
        headers=bearer(lead),
    )
    assert bulk.json()["results"][0]["booking"]["status"] == "confirmed"


async def test_only_the_schools_leads_answer(client, world, staff, clock):
    (ann, _), _ = staff
    other = await create_school(client, world.admin, name="Other")
    other_lead = (await create_lead(client, world.admin, other["id"], "o@x.example"))["api_token"]
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=8))
    pending = await book(client, ann, cohort["id"])
    for token in (other_lead, ann, world.hub_admin):
        refused = await answer(client, token, pending["id"], "approve")
        assert refused.status_code == 403
    missing = await answer(client, world.admin, "nope", "approve")
    assert missing.status_code == 404
    listed = await client.get(f"/api/v1/schools/{other['id']}/approvals", headers=bearer(ann))
    assert listed.status_code == 403


async def test_a_teacher_cancels_their_pending_booking(client, world, staff, clock):
    (ann, _), _ = staff
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=8), capacity=1)
    pending = await book(client, ann, cohort["id"])
    cancelled = await client.delete(f"/api/v1/bookings/{pending['id']}", headers=bearer(ann))
    assert cancelled.json()["status"] == "cancelled"
    assert await seats_left(client, world, cohort["id"]) == 1


async def test_a_promotion_of_a_teachers_own_booking_waits_for_approval(
    client, world, school, lead, staff, clock
):
    (ann, _), (_, bob_user) = staff
    [outsider] = await signed_in(client, ["out@elsewhere.example"])
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=8), capacity=1)
    held = await book(client, outsider, cohort["id"])
    own = await book(client, ann, cohort["id"])
    bulk = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings/bulk",
        json={"teacher_ids": [bob_user["id"]]},
        headers=bearer(lead),
    )
    bobs = bulk.json()["results"][0]["booking"]
    assert (own["status"], bobs["status"]) == ("waitlisted", "waitlisted")

    await client.delete(f"/api/v1/bookings/{held['id']}", headers=bearer(outsider))
    promoted = await client.get(f"/api/v1/bookings/{own['id']}", headers=bearer(ann))
    assert promoted.json()["status"] == "pending_approval"
    refused = await answer(client, lead, own["id"], "reject", reason="Not this term")
    assert refused.json()["status"] == "cancelled"
    # The seat passes on to Bob, booked by the lead: no approval needed.
    listed = await client.get(f"/api/v1/schools/{school['id']}/staff", headers=bearer(lead))
    assert {p["email"]: p["active_bookings"] for p in listed.json()["items"]}[
        bob_user["email"]
    ] == 1
    progress = await client.get(f"/api/v1/schools/{school['id']}/progress", headers=bearer(lead))
    assert progress.json()["booked"] == 1
