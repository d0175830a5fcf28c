"""/ lists cohorts by first session date, soonest first, across pages: "Next page" carries on
where the page before stopped, cohorts without a live session come last, nothing is repeated
or lost, and the filters hold on every page (docs/contract.md, Pages). GET /api/v1/cohorts keeps
its own order, by id, and its cursor."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest

from booking.pages import training
from booking.repositories.pagination import encode_cursor
from tests.conftest import START
from tests.pages.conftest import open_page, sign_in
from tests.support.engine import add_session, add_trainer, published_cohort, teacher_token
from tests.support.factories import bearer, create_venue
from tests.support.html import Page

# Small pages, so a handful of cohorts spans several of them.
PAGE_SIZE = 2


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(training, "PAGE_SIZE", PAGE_SIZE)


def listed(page: Page) -> list[str]:
    return [
        str(a.attrs["href"]).removeprefix("/cohorts/")
        for a in page.find_all("a")
        if str(a.attrs.get("href", "")).startswith("/cohorts/")
    ]


def next_link(page: Page) -> str | None:
    links = [a for a in page.find_all("a") if a.attrs.get("rel") == "next"]
    assert len(links) <= 1
    return unescape(str(links[0].attrs["href"])) if links else None


async def every_page(client, path: str) -> list[list[str]]:
    """The cohorts of each page, following "Next page" from `path` to the last page."""
    pages: list[list[str]] = []
    link: str | None = path
    while link is not None:
        assert len(pages) < 20, "the next links go round in circles"
        page = await open_page(client, link)
        pages.append(listed(page))
        link = next_link(page)
    return pages


async def at(client, world, day: int, *, trainer=None, venue=None, **overrides):
    """A published cohort whose one session starts `day` days after START, 9am UTC."""
    if trainer is not None:
        overrides["trainer_id"] = trainer["user"]["id"]
    if venue is not None:
        overrides["venue_id"] = venue["id"]
    return await published_cohort(client, world, START + timedelta(days=day), **overrides)


async def cancel_session(client, world, session_id: str) -> None:
    response = await client.delete(
        f"/api/v1/sessions/{session_id}", headers=bearer(world.hub_admin)
    )
    assert response.status_code == 200, response.text


async def cohort_without_live_sessions(client, world, day: int):
    """Published, then its only session (early on: `day`) cancelled."""
    cohort = await at(client, world, day)
    [session] = cohort["sessions"]
    await cancel_session(client, world, session["id"])
    return cohort


async def second_trainer_and_venue(client, world, n: int):
    trainer = await add_trainer(client, world, f"trainer{n}@example.org")
    venue = await create_venue(client, world.hub_admin, world.hub["id"], name=f"Room {n + 1}")
    return trainer, venue


async def test_find_training_pages_through_cohorts_by_first_session_date(
    client, world, small_pages
):
    # Created in an order unlike their dates; three start at the same moment (9am on day 21,
    # with their own trainers and rooms), so the tie runs across a page boundary.
    (trainer2, room2), (trainer3, room3) = [
        await second_trainer_and_venue(client, world, n) for n in (2, 3)
    ]
    none = await cohort_without_live_sessions(client, world, 3)
    d30 = await at(client, world, 30)
    # An earlier session, cancelled: the first *live* session is what counts.
    early = await add_session(client, world, d30["id"], START + timedelta(days=2))
    assert early.status_code == 201, early.text
    await cancel_session(client, world, early.json()["id"])
    d21a = await at(client, world, 21)
    d14 = await at(client, world, 14)
    d21b = await at(client, world, 21, trainer=trainer2, venue=room2)
    d7 = await at(client, world, 7)
    d21c = await at(client, world, 21, trainer=trainer3, venue=room3)

    pages = await every_page(client, "/")

    soonest_first = [d7, d14, d21a, d21b, d21c, d30, none]
    assert pages == [
        [c["id"] for c in soonest_first[i : i + PAGE_SIZE]]
        for i in range(0, len(soonest_first), PAGE_SIZE)
    ]


async def test_the_first_page_shows_the_soonest_cohorts_whatever_the_order_they_were_made(
    client, world, small_pages
):
    later = [await at(client, world, day) for day in (40, 35, 30)]
    soonest = [await at(client, world, day) for day in (10, 5)]

    page = await open_page(client, "/")

    assert listed(page) == [soonest[1]["id"], soonest[0]["id"]]
    assert "2 cohorts on this page" in page.text
    rest = await every_page(client, str(next_link(page)))
    assert [c for p in rest for c in p] == [c["id"] for c in reversed(later)]


async def test_filters_hold_on_every_page_in_date_order(client, world, small_pages):
    other_course = await client.post(
        "/api/v1/courses",
        json={
            "title": "Speech and language",
            "summary": "S",
            "need_areas": ["communication_and_interaction"],
            "audience": ["teacher"],
        },
        headers=bearer(world.hub_admin),
    )
    assert other_course.status_code == 201, other_course.text
    await cohort_without_live_sessions(client, world, 25)
    d40 = await at(client, world, 40)
    await at(client, world, 27, course_id=other_course.json()["id"])  # another need area
    d26 = await at(client, world, 26)
    await at(client, world, 5)  # before the date filter
    d33 = await at(client, world, 33)
    d28 = await at(client, world, 28)

    # From Sunday 31 January 2027 (day 20), sensory and physical only.
    query = "/?need_area=sensory_and_physical&from-day=31&from-month=1&from-year=2027"
    pages = await every_page(client, query)

    assert pages == [[d26["id"], d28["id"]], [d33["id"], d40["id"]]]
    page = await open_page(client, query)
    link = str(next_link(page))
    assert "need_area=sensory_and_physical" in link
    assert "from-day=31" in link


async def test_fits_my_timetable_fills_each_page_in_date_order(
    client, world, mail_dir, small_pages
):
    # START is a Monday; the teacher teaches on Mondays from 9am to noon, when the sessions of
    # the cohorts on days 7 and 14 are. Those are left out, and the pages still fill up.
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
    days = (16, 7, 9, 14, 2, 15, 1)
    made = {day: await at(client, world, day) for day in days}
    await sign_in(client, mail_dir, "ada@example.org")

    pages = await every_page(client, "/?fits_my_timetable=yes")

    fitting = [made[day]["id"] for day in (1, 2, 9, 15, 16)]
    assert pages == [fitting[0:2], fitting[2:4], fitting[4:]]


async def test_a_cursor_from_the_api_is_not_taken_for_a_find_page_cursor(client, world):
    cohort = await at(client, world, 7)
    response = await client.get(f"/?cursor={encode_cursor(cohort['id'])}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("text/html")


async def test_the_api_still_lists_cohorts_in_id_order_with_its_own_cursor(client, world):
    made = [await at(client, world, day) for day in (30, 7, 21)]

    first = await client.get("/api/v1/cohorts", params={"limit": 2})
    assert first.status_code == 200, first.text
    body = first.json()
    assert [c["id"] for c in body["items"]] == [made[0]["id"], made[1]["id"]]
    assert body["next_cursor"] == encode_cursor(made[1]["id"])
    second = await client.get("/api/v1/cohorts", params={"limit": 2, "cursor": body["next_cursor"]})
    assert [c["id"] for c in second.json()["items"]] == [made[2]["id"]]
    assert second.json()["next_cursor"] is None
