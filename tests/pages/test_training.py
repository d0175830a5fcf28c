"""Find training, a cohort's page, and booking a place through the page."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import START
from tests.pages.conftest import open_page, sign_in, submit
from tests.support.engine import add_session, create_cohort, published_cohort
from tests.support.factories import bearer, create_venue
from tests.support.html import Page


async def test_find_training_lists_a_published_cohort_with_accessibility_and_places(client, world):
    cohort = await published_cohort(client, world, START + timedelta(days=14), capacity=3)

    page = await open_page(client, "/")

    links = [a for a in page.find_all("a") if a.attrs.get("href") == f"/cohorts/{cohort['id']}"]
    assert [a.text for a in links] == ["Autism in the classroom"]
    assert "Step-free access" in page.text
    assert "Hearing loop" in page.text
    assert "3 places left" in page.text
    # 25 January 2027, 9am UTC is 9am in London (GMT); the zone is not named for UK venues.
    assert "Monday 25 January 2027, 9am to 11am" in page.text
    assert "Europe/London" not in page.text


async def test_a_draft_cohort_is_neither_listed_nor_shown(client, world):
    draft = await create_cohort(client, world)

    page = await open_page(client, "/")
    assert f"/cohorts/{draft['id']}" not in [a.attrs.get("href") for a in page.find_all("a")]
    await open_page(client, f"/cohorts/{draft['id']}", status=404)


async def test_a_venue_outside_the_uk_names_its_zone(client, world):
    paris = await create_venue(
        client, world.hub_admin, world.hub["id"], name="Salle 2", timezone="Europe/Paris"
    )
    cohort = await create_cohort(client, world, venue_id=paris["id"])
    await add_session(client, world, cohort["id"], START + timedelta(days=14))
    await client.post(f"/api/v1/cohorts/{cohort['id']}/publish", headers=bearer(world.hub_admin))

    page = await open_page(client, f"/cohorts/{cohort['id']}")

    assert "Monday 25 January 2027, 10am to midday (Europe/Paris time)" in page.text


async def test_the_has_places_filter_leaves_out_full_cohorts(client, world, mail_dir):
    full = await published_cohort(client, world, START + timedelta(days=14), capacity=1)
    await sign_in(client, mail_dir, "ada@example.org")
    page = await open_page(client, f"/cohorts/{full['id']}")
    await submit(client, page, "Book a place")

    unfiltered = await open_page(client, "/")
    filtered = await open_page(client, "/?has_places=yes")

    assert "No places left: join the waitlist" in unfiltered.text
    assert "No cohorts found" in filtered.text


async def test_an_impossible_date_is_explained_next_to_the_date_fields(client, world):
    page = await open_page(client, "/?from-day=31&from-month=2&from-year=2027", status=400)

    assert page.error_summary() == [("#from", "Start date must be a real date")]
    assert page.title == "Error: Find training \N{EN DASH} Book SEND training"


async def test_booking_through_the_page_confirms_the_place(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14), capacity=1)
    await sign_in(client, mail_dir, "ada@example.org")
    page = await open_page(client, f"/cohorts/{cohort['id']}")

    response = await submit(client, page, "Book a place")

    assert response.status_code == 303
    confirmation = await open_page(client, response.headers["location"])
    assert confirmation.h1 == "Booking confirmed"
    assert confirmation.title == "Booking confirmed \N{EN DASH} Book SEND training"
    listed = await client.get(f"/api/v1/cohorts/{cohort['id']}")
    assert listed.json()["confirmed_count"] == 1


async def test_on_a_full_cohort_a_second_teacher_joins_the_waitlist(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14), capacity=1)
    await sign_in(client, mail_dir, "ada@example.org")
    await submit(client, await open_page(client, f"/cohorts/{cohort['id']}"), "Book a place")
    client.cookies.clear()
    await sign_in(client, mail_dir, "grace@example.org")

    page = await open_page(client, f"/cohorts/{cohort['id']}")
    assert "Book a place" not in page.buttons()
    response = await submit(client, page, "Join the waitlist")

    waitlisted = await open_page(client, response.headers["location"])
    assert waitlisted.h1 == "You are on the waitlist"
    assert "You are number 1 on the waitlist" in waitlisted.text


async def test_pressing_book_twice_keeps_one_booking(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14), capacity=2)
    await sign_in(client, mail_dir, "ada@example.org")
    page = await open_page(client, f"/cohorts/{cohort['id']}")

    first = await submit(client, page, "Book a place")
    second = await submit(client, page, "Book a place")  # the same form, sent again

    assert second.headers["location"] == first.headers["location"]


async def test_booking_again_is_explained_on_the_cohort_page(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14), capacity=2)
    await sign_in(client, mail_dir, "ada@example.org")
    # Two tabs opened before booking: the second one's form is stale.
    first_tab = await open_page(client, f"/cohorts/{cohort['id']}")
    second_tab = await open_page(client, f"/cohorts/{cohort['id']}")
    await submit(client, first_tab, "Book a place")

    response = await submit(client, second_tab, "Book a place")

    assert response.status_code == 409
    page = Page(response.text)
    assert page.error_summary() == [("#book", "You already have a booking for this course")]
    assert "You have a place" in page.text
    assert "Book a place" not in page.buttons()


async def test_signed_out_the_cohort_page_offers_sign_in_and_comes_back(client, world):
    cohort = await published_cohort(client, world, START + timedelta(days=14))

    page = await open_page(client, f"/cohorts/{cohort['id']}")

    assert "Book a place" not in page.buttons()
    hrefs = [a.attrs.get("href") for a in page.find_all("a")]
    assert f"/sign-in?next=/cohorts/{cohort['id']}" in hrefs


async def test_a_signed_out_post_goes_to_sign_in(client, world):
    cohort = await published_cohort(client, world, START + timedelta(days=14))
    page = await open_page(client, "/sign-in")
    _, hidden = page.form_with_button("Continue")

    response = await client.post(
        f"/cohorts/{cohort['id']}",
        data={"_csrf_token": hidden["_csrf_token"]},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/sign-in?next=%2Fcohorts%2F{cohort['id']}"
