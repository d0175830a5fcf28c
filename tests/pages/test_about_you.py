"""'Tell us about you' (docs/contract.md, Pages additions): asked after a first sign-in and once
before a first booking; saving goes through to GET /api/v1/me; skipping goes on."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import START
from tests.pages.conftest import open_page, sign_in, sign_in_with_code, submit
from tests.support.engine import published_cohort
from tests.support.factories import bearer
from tests.support.html import Page
from tests.support.mail import last_code
from tests.support.schools import create_school
from tests.support.sign_in import signed_in


async def test_a_first_sign_in_asks_about_you_and_saving_goes_on(client, world, mail_dir):
    school = await create_school(client, world.admin, name="Hillside Primary")
    page = await open_page(client, "/sign-in?next=/my/bookings")
    response = await submit(client, page, "Continue", email="ada@example.org")
    code = last_code(mail_dir, "ada@example.org")
    response = await submit(client, Page(response.text), "Sign in", code=code)
    assert response.headers["location"] == "/about-you?next=%2Fmy%2Fbookings"

    about = await open_page(client, response.headers["location"])
    assert about.find_all("h1")[0].text == "Tell us about you"
    found = await submit(
        client, about, "Find school", action="find-school", school_q=str(school["urn"])
    )
    assert found.status_code == 200, found.text
    assert "Hillside Primary, Manchester" in found.text
    assert Page(found.text).unlabelled_fields() == []
    saved = await submit(
        client,
        Page(found.text),
        "Save and continue",
        action="save",
        name="Ada Lovelace",
        job_role="senco",
        school_id=school["id"],
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/my/bookings"

    me = (await client.get("/api/v1/me", headers=await api_auth(client))).json()
    assert (me["name"], me["job_role"], me["school"]["id"], me["profile_complete"]) == (
        "Ada Lovelace",
        "senco",
        school["id"],
        True,
    )


async def api_auth(client) -> dict[str, str]:
    """The page session's token, sent as the API's bearer."""
    return bearer(client.cookies.get("booking_session"))


async def test_enter_in_the_name_field_saves_rather_than_searching(client, world, mail_dir):
    # Enter submits through the form's first button, "Find school"; with nothing to find it saves.
    response = await sign_in_with_code(client, mail_dir, "ada@example.org")
    about = await open_page(client, response.headers["location"])
    saved = await submit(
        client, about, "Find school", action="find-school", name="Ada", school_q=""
    )
    assert saved.status_code == 303, saved.text
    me = (await client.get("/api/v1/me", headers=await api_auth(client))).json()
    assert me["name"] == "Ada"


async def test_skip_goes_on_to_next_and_saves_nothing(client, world, mail_dir):
    response = await sign_in_with_code(client, mail_dir, "ada@example.org")
    about = await open_page(client, response.headers["location"])
    skipped = await submit(client, about, "Skip for now", action="skip", name="Not saved")
    assert skipped.status_code == 303
    assert skipped.headers["location"] == "/"
    me = (await client.get("/api/v1/me", headers=await api_auth(client))).json()
    assert (me["name"], me["profile_complete"]) == ("", False)


async def test_a_complete_profile_goes_straight_to_the_landing_page(client, world, mail_dir):
    school = await create_school(client, world.admin)
    [token] = await signed_in(client, ["ada@example.org"])
    done = await client.patch(
        "/api/v1/me",
        json={"name": "Ada", "job_role": "teacher", "school_id": school["id"]},
        headers=bearer(token),
    )
    assert done.json()["profile_complete"] is True
    response = await sign_in_with_code(client, mail_dir, "ada@example.org")
    assert response.headers["location"] == "/"


async def test_staff_are_not_asked(client, world, mail_dir):
    response = await sign_in_with_code(client, mail_dir, "trainer@example.org")
    assert response.headers["location"] == "/trainer"


async def test_a_first_booking_asks_once_then_books(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14))
    await sign_in(client, mail_dir, "ada@example.org", asked_about_you=False)
    page = await open_page(client, f"/cohorts/{cohort['id']}")
    asked = await submit(client, page, "Book a place")
    assert asked.status_code == 303
    assert asked.headers["location"] == f"/about-you?next=%2Fcohorts%2F{cohort['id']}"

    about = await open_page(client, asked.headers["location"])
    back = await submit(client, about, "Skip for now", action="skip")
    assert back.headers["location"] == f"/cohorts/{cohort['id']}"
    page = await open_page(client, back.headers["location"])
    booked = await submit(client, page, "Book a place")
    assert booked.status_code == 303, booked.text
    assert booked.headers["location"].startswith("/bookings/")
