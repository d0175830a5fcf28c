"""/school: a lead adds staff, books several at once, answers approvals, sees progress."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import START
from tests.pages.conftest import open_page, sign_in, submit
from tests.pages.test_page_structure import check_structure
from tests.support.engine import published_cohort
from tests.support.factories import bearer
from tests.support.html import Page
from tests.support.schools import create_lead, create_school
from tests.support.sign_in import signed_in

LEAD = "lead@school.example"


async def test_a_lead_adds_staff_books_them_and_approves_a_colleague(client, world, mail_dir):
    school = await create_school(client, world.admin)
    await client.patch(
        f"/api/v1/schools/{school['id']}",
        json={"approval_required": True},
        headers=bearer(world.admin),
    )
    await create_lead(client, world.admin, school["id"], LEAD)
    # Tuesday 26 January 2027, 10am: in the school day. Capacity 2: one colleague takes a seat
    # pending approval below, so one seat is left for the lead's bulk booking.
    cohort = await published_cohort(client, world, START + timedelta(days=15, hours=1), capacity=2)
    await sign_in(client, mail_dir, LEAD)
    home = await open_page(client, "/school")
    check_structure(home, "school")
    assert home.h1 == "Oakfield Primary School"

    for name in ("Ann", "Bob", "Cat", "Dee"):
        home = await open_page(client, "/school")
        added = await submit(
            client, home, "Add to your staff", name=name, email=f"{name.lower()}@school.example"
        )
        assert added.status_code == 303, added.text
    home = await open_page(client, "/school")
    assert "The person has been added to your staff" not in home.text  # no ?done on a plain visit
    ids = {i.attrs["value"]: i.attrs["id"] for i in home.find_all("input", name="teacher_ids")}
    assert len(ids) == 5  # four added and the lead

    # Dee books her own place: pending the school's approval.
    [dee] = await signed_in(client, ["dee@school.example"])
    own = await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(dee))
    assert own.json()["status"] == "pending_approval"

    staff = await client.get(f"/api/v1/schools/{school['id']}/staff", headers=bearer(world.admin))
    by_name = {p["name"]: p["id"] for p in staff.json()["items"]}
    home = await open_page(client, "/school")
    booked = await submit(
        client,
        home,
        "Book the people chosen",
        cohort_id=cohort["id"],
        teacher_ids=[by_name["Ann"], by_name["Bob"], by_name["Cat"]],
    )
    assert booked.status_code == 200, booked.text
    results = Page(booked.text)
    check_structure(results, "school results")
    rows = [r.text for r in results.find_all("tr")]
    assert any("Ann" in r and "Booked" in r for r in rows), rows
    assert any("Bob" in r and "On the waitlist" in r for r in rows), rows
    assert any("Cat" in r and "On the waitlist" in r for r in rows), rows

    assert "During the school day: cover needed" in results.text
    approved = await submit(client, results, "Approve")
    assert approved.status_code == 303
    after = await open_page(client, "/school?done=approved")
    assert "The booking is approved" in after.text
    assert "Nothing waits for your approval" in after.text
    mine = await client.get(f"/api/v1/bookings/{own.json()['id']}", headers=bearer(dee))
    assert mine.json()["status"] == "confirmed"


async def test_only_school_leads_have_the_page(client, world, mail_dir):
    await sign_in(client, mail_dir, "teacher@example.org")
    await open_page(client, "/school", status=404)


async def test_a_teacher_finds_and_chooses_their_school_on_the_account_page(
    client, world, mail_dir
):
    await create_school(client, world.admin, name="St Mary's Primary", local_authority="Oldham")
    wanted = await create_school(
        client, world.admin, name="St Mary's Primary", local_authority="Bury"
    )
    await sign_in(client, mail_dir, "sam@school.example")
    account = await open_page(client, "/account")
    assert "Not chosen yet" in account.text
    found = await submit(
        client, account, "Find school", name="Sam", school_q="st marys", action="find-school"
    )
    assert found.status_code == 200, found.text
    listed = Page(found.text)
    check_structure(listed, "account with schools")
    assert "St Mary's Primary, Oldham" in listed.text
    assert "St Mary's Primary, Bury" in listed.text
    saved = await submit(client, listed, "Save your details", name="Sam", school_id=wanted["id"])
    assert saved.status_code == 303, saved.text
    again = await open_page(client, "/account")
    assert f"St Mary's Primary, Bury (URN {wanted['urn']})" in again.text
    nothing = await submit(
        client, again, "Find school", name="Sam", school_q="zzz", action="find-school"
    )
    assert "No school matches" in nothing.text


async def test_pages_that_list_sessions_say_whether_cover_is_needed(client, world, mail_dir):
    # Tuesday 26 January 2027: 10am (in the school day), then 4pm (after it).
    day = await published_cohort(client, world, START + timedelta(days=15, hours=1))
    evening = await published_cohort(client, world, START + timedelta(days=15, hours=7))
    assert (
        "During the school day: cover needed"
        in (await open_page(client, f"/cohorts/{day['id']}")).text
    )
    assert (
        "After school: no cover needed"
        in (await open_page(client, f"/cohorts/{evening['id']}")).text
    )
    catalogue = await open_page(client, "/")
    assert "During the school day: cover needed" in catalogue.text
    assert "After school: no cover needed" in catalogue.text
