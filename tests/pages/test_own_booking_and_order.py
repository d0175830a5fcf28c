"""/ lists cohorts soonest first and counts them as cohorts; /cohorts/{id} knows the signed-in
teacher's own booking and offers no second one (docs/contract.md, Pages additions)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.pages.formatting import ordinal
from tests.conftest import START
from tests.pages.conftest import open_page, sign_in, submit
from tests.support.engine import create_cohort, published_cohort, teacher_token
from tests.support.factories import bearer
from tests.support.html import Page


async def test_find_training_lists_cohorts_soonest_first_and_counts_cohorts(client, world):
    later = await published_cohort(client, world, START + timedelta(days=30))
    sooner = await published_cohort(client, world, START + timedelta(days=14))
    middle = await published_cohort(client, world, START + timedelta(days=21))

    page = await open_page(client, "/")

    order = [
        a.attrs["href"]
        for a in page.find_all("a")
        if str(a.attrs.get("href", "")).startswith("/cohorts/")
    ]
    assert order == [f"/cohorts/{c['id']}" for c in (sooner, middle, later)]
    assert "3 cohorts" in page.text
    assert "3 courses" not in page.text


async def test_one_cohort_is_counted_in_the_singular(client, world):
    await published_cohort(client, world, START + timedelta(days=14))
    page = await open_page(client, "/")
    assert "1 cohort" in page.text
    assert "1 cohorts" not in page.text


async def test_the_cohort_page_says_you_have_a_place_and_offers_no_second_booking(
    client, world, mail_dir
):
    cohort = await published_cohort(client, world, START + timedelta(days=14), capacity=2)
    await sign_in(client, mail_dir, "ada@example.org")
    await submit(client, await open_page(client, f"/cohorts/{cohort['id']}"), "Book a place")

    page = await open_page(client, f"/cohorts/{cohort['id']}")

    assert "You have a place" in page.text
    assert "Book a place" not in page.buttons()
    assert "Join the waitlist" not in page.buttons()
    assert "/my/bookings" in [a.attrs.get("href") for a in page.find_all("a")]


async def test_the_cohort_page_gives_the_waitlist_position_in_words(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14), capacity=1)
    for email in ("one@school.example", "two@school.example", "three@school.example"):
        token = await teacher_token(client, email)
        booked = await client.post(
            f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(token)
        )
        assert booked.status_code == 201
    await sign_in(client, mail_dir, "ada@example.org")
    await submit(client, await open_page(client, f"/cohorts/{cohort['id']}"), "Join the waitlist")

    page = await open_page(client, f"/cohorts/{cohort['id']}")

    assert "You are 3rd on the waitlist" in page.text
    assert not {"Join the waitlist", "Book a place"} & set(page.buttons())


async def test_another_teacher_still_sees_the_booking_button(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14), capacity=2)
    token = await teacher_token(client, "one@school.example")
    await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(token))
    await sign_in(client, mail_dir, "ada@example.org")
    page = await open_page(client, f"/cohorts/{cohort['id']}")
    assert "Book a place" in page.buttons()
    assert "You have a place" not in page.text


async def test_a_draft_is_not_counted(client, world):
    await create_cohort(client, world)
    page = await open_page(client, "/")
    assert "No cohorts found" in page.text


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (101, "101st"),
        (111, "111th"),
    ],
)
def test_ordinals(number, words):
    assert ordinal(number) == words


async def test_a_timetable_clash_is_shown_at_the_top_with_book_anyway_there(
    client, world, mail_dir
):
    # Monday 25 January 2027, 9am to 11am; the teacher teaches on Mondays 9am to noon.
    cohort = await published_cohort(client, world, START + timedelta(days=14), capacity=2)
    token = await teacher_token(client, "ada@example.org")
    timetable = await client.put(
        "/api/v1/me/timetable",
        json={
            "timezone": "Europe/London",
            "weekly": [{"day": "mon", "start": "09:00", "end": "12:00", "label": "Year 5 maths"}],
        },
        headers=bearer(token),
    )
    assert timetable.status_code == 200, timetable.text
    await sign_in(client, mail_dir, "ada@example.org")

    response = await submit(
        client, await open_page(client, f"/cohorts/{cohort['id']}"), "Book a place"
    )

    assert response.status_code == 409
    page = Page(response.text)
    # The clash comes before the course's own heading: it is what the page opens on.
    html = response.text
    assert html.index('id="clash"') < html.index("<h1")
    assert "Year 5 maths" in page.text
    assert page.buttons().count("Book anyway") == 1

    booked = await submit(client, page, "Book anyway")

    assert booked.status_code == 303
    assert booked.headers["location"].startswith("/bookings/")
