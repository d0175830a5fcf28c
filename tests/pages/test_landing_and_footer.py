"""Where people land after signing in, and the footer every page carries (docs/contract.md, Pages
additions)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import START
from tests.pages.conftest import open_page, sign_in_with_code, submit
from tests.support.engine import published_cohort
from tests.support.html import Page
from tests.support.mail import last_code
from tests.support.schools import create_lead, create_school


@pytest.mark.parametrize(
    ("email", "landing"),
    [("hubadmin@example.org", "/hub"), ("trainer@example.org", "/trainer")],
)
async def test_hub_admins_and_trainers_land_on_their_own_page(
    client, world, mail_dir, email, landing
):
    response = await sign_in_with_code(client, mail_dir, email)
    assert response.status_code == 303
    assert response.headers["location"] == landing
    assert (await client.get(landing)).status_code == 200


async def test_teachers_land_on_find_training_after_telling_us_about_them(client, world, mail_dir):
    response = await sign_in_with_code(client, mail_dir, "ada@example.org")
    assert response.headers["location"] == "/about-you?next=%2F"


async def test_a_page_asked_for_wins_over_the_landing_page(client, world, mail_dir):
    page = await open_page(client, "/sign-in?next=/my/bookings")
    response = await submit(client, page, "Continue", email="trainer@example.org")
    response = await submit(
        client, Page(response.text), "Sign in", code=last_code(mail_dir, "trainer@example.org")
    )
    assert response.headers["location"] == "/my/bookings"


async def test_every_page_has_the_footer_links(client, world):
    for path in ("/", "/sign-in", "/privacy", "/accessibility", "/contact"):
        page = await open_page(client, path)
        footer = page.find_all("footer")[0]
        hrefs = [a.attrs.get("href") for a in footer.find_all("a")]
        assert {"/privacy", "/accessibility", "/contact"} <= set(hrefs), path


async def test_the_footer_pages_say_what_they_are(client, world):
    privacy = await open_page(client, "/privacy")
    assert privacy.find_all("h1")[0].text == "Privacy notice"
    assert "delete your account" in privacy.text
    statement = await open_page(client, "/accessibility")
    assert statement.find_all("h1")[0].text == "Accessibility statement"
    assert "WCAG" in statement.text


async def test_the_contact_page_lists_each_hub_with_its_address(client, world):
    page = await open_page(client, "/contact")
    assert world.hub["name"] in page.text
    assert f"mailto:{world.hub['contact_email']}" in [
        a.attrs.get("href") for a in page.find_all("a")
    ]


async def test_a_cohort_page_footer_names_its_hub_contact(client, world):
    cohort = await published_cohort(client, world, START + timedelta(days=14))
    page = await open_page(client, f"/cohorts/{cohort['id']}")
    footer = page.find_all("footer")[0]
    assert f"mailto:{world.hub['contact_email']}" in [
        a.attrs.get("href") for a in footer.find_all("a")
    ]
    assert f"Contact {world.hub['name']}" in " ".join(footer.text.split())


async def test_school_leads_land_on_their_school(client, world, mail_dir):
    school = await create_school(client, world.admin)
    await create_lead(client, world.admin, school["id"], "lead@school.example")
    response = await sign_in_with_code(client, mail_dir, "lead@school.example")
    assert response.headers["location"] == "/school"
    assert (await client.get("/school")).status_code == 200
