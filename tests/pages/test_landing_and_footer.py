"""Where people land after signing in, and the footer every page carries (API.md, Pages
additions)."""

from __future__ import annotations

import pytest

from tests.pages.conftest import open_page, sign_in_with_code, submit
from tests.support.html import Page
from tests.support.mail import last_code


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


async def test_teachers_land_on_find_training(client, world, mail_dir):
    response = await sign_in_with_code(client, mail_dir, "ada@example.org")
    assert response.headers["location"] == "/"


async def test_a_page_asked_for_wins_over_the_landing_page(client, world, mail_dir):
    page = await open_page(client, "/sign-in?next=/my/bookings")
    response = await submit(client, page, "Continue", email="trainer@example.org")
    response = await submit(
        client, Page(response.text), "Sign in", code=last_code(mail_dir, "trainer@example.org")
    )
    assert response.headers["location"] == "/my/bookings"
