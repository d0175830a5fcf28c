"""/hub/cohorts/{id}: a weekly series of sessions in one form, all or nothing, every session in
the way named (docs/contract.md, Pages additions)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.pages.conftest import open_page, submit
from tests.pages.test_hub_pages import create_cohort_through_the_page
from tests.pages.test_page_structure import check_structure
from tests.support.engine import add_session as api_session
from tests.support.engine import create_cohort
from tests.support.factories import bearer
from tests.support.html import Page

SERIES = {
    "first-day": "19",
    "first-month": "1",
    "first-year": "2027",
    "series_start": "16:00",
    "series_end": "18:00",
    "every": "1",
    "count": "6",
}


async def sessions_of(client, world, path):
    cohort_id = path.rsplit("/", 1)[1]
    response = await client.get(f"/api/v1/cohorts/{cohort_id}", headers=bearer(world.hub_admin))
    return [(s["starts_at"], s["ends_at"]) for s in response.json()["sessions"]]


async def test_a_hub_admin_adds_six_weekly_sessions_in_one_form(client, world, mail_dir):
    path = await create_cohort_through_the_page(client, world, mail_dir)
    page = await open_page(client, path)
    check_structure(page, path)

    response = await submit(client, page, "Add sessions", **SERIES)

    assert response.status_code == 303, response.text
    done = await open_page(client, response.headers["location"])
    assert "Sessions added" in done.text
    assert await sessions_of(client, world, path) == [
        (f"2027-{m:02d}-{d:02d}T16:00:00Z", f"2027-{m:02d}-{d:02d}T18:00:00Z")
        for m, d in ((1, 19), (1, 26), (2, 2), (2, 9), (2, 16), (2, 23))
    ]


async def test_every_two_weeks_across_the_march_change_keeps_the_wall_clock(
    client, world, mail_dir
):
    path = await create_cohort_through_the_page(client, world, mail_dir)
    page = await open_page(client, path)
    fields = SERIES | {"first-day": "16", "first-month": "3", "every": "2", "count": "2"}

    response = await submit(client, page, "Add sessions", **fields)

    assert response.status_code == 303, response.text
    # 16:00 GMT on 16 March, 16:00 BST (15:00Z) on 30 March.
    assert await sessions_of(client, world, path) == [
        ("2027-03-16T16:00:00Z", "2027-03-16T18:00:00Z"),
        ("2027-03-30T15:00:00Z", "2027-03-30T17:00:00Z"),
    ]


async def test_a_series_with_a_clash_adds_nothing_and_names_the_session(client, world, mail_dir):
    other = await create_cohort(client, world)
    busy = datetime(2027, 2, 2, 16, 0, tzinfo=UTC)
    assert (await api_session(client, world, other["id"], busy)).status_code == 201
    path = await create_cohort_through_the_page(client, world, mail_dir)
    page = await open_page(client, path)

    response = await submit(client, page, "Add sessions", **SERIES)

    assert response.status_code == 409
    assert Page(response.text).error_summary() == [
        (
            "#first",
            (
                "No sessions were added: session 3 (Tuesday 2 February 2027): "
                "the trainer is running another session then"
            ),
        )
    ]
    assert await sessions_of(client, world, path) == []


async def test_missing_answers_are_explained_by_their_fields(client, world, mail_dir):
    path = await create_cohort_through_the_page(client, world, mail_dir)
    page = await open_page(client, path)

    response = await submit(
        client,
        page,
        "Add sessions",
        **SERIES | {"series_end": "", "count": "30", "first-day": ""},
    )

    assert response.status_code == 400
    assert [target for target, _ in Page(response.text).error_summary()] == [
        "#first",
        "#series_end",
        "#count",
    ]
