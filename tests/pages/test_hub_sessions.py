"""/hub/cohorts/{id}/sessions/{id}: reschedule one session (clashes named, free times offered) or
cancel it after a confirmation step (docs/contract.md, Pages additions)."""

from __future__ import annotations

from tests.pages.conftest import open_page, submit
from tests.pages.test_hub_pages import add_session, create_cohort_through_the_page
from tests.pages.test_page_structure import check_structure
from tests.support.factories import bearer
from tests.support.html import Page


async def two_sessions(client, world, mail_dir) -> str:
    path = await create_cohort_through_the_page(client, world, mail_dir)
    assert (await add_session(client, path)).status_code == 303  # 25 January, 9:30 to midday
    assert (await add_session(client, path, **{"date-day": "26"})).status_code == 303
    return path


async def sessions_of(client, world, path):
    cohort_id = path.rsplit("/", 1)[1]
    response = await client.get(f"/api/v1/cohorts/{cohort_id}", headers=bearer(world.hub_admin))
    return [(s["starts_at"], s["ends_at"], s["status"]) for s in response.json()["sessions"]]


# Only hidden fields come with a form (tests.pages.conftest.submit): the typed ones are sent.
TYPED = {"date-day": "25", "date-month": "1", "date-year": "2027", "start": "09:30", "end": "12:00"}


def link(page: Page, text: str) -> str:
    return next(str(a.attrs["href"]) for a in page.find_all("a") if a.text.startswith(text))


async def test_a_session_is_moved_and_the_form_starts_with_its_time(client, world, mail_dir):
    path = await two_sessions(client, world, mail_dir)
    change = await open_page(client, link(await open_page(client, path), "Change"))
    check_structure(change, "change session")
    assert change.find_all("input", id="start")[0].attrs["value"] == "09:30"

    response = await submit(
        client, change, "Save changes", **TYPED | {"start": "13:00", "end": "15:00"}
    )

    assert response.status_code == 303, response.text
    assert "Session changed" in (await open_page(client, response.headers["location"])).text
    assert (await sessions_of(client, world, path))[0][:2] == (
        "2027-01-25T13:00:00Z",
        "2027-01-25T15:00:00Z",
    )


async def test_moving_onto_another_session_names_it_and_offers_free_times(client, world, mail_dir):
    path = await two_sessions(client, world, mail_dir)
    change = await open_page(client, link(await open_page(client, path), "Change"))

    response = await submit(client, change, "Save changes", **TYPED | {"date-day": "26"})

    assert response.status_code == 409
    page = Page(response.text)
    other = "Autism in the classroom, Tuesday 26 January 2027, 9:30am to midday"
    assert page.error_summary()[0] == (
        "#start",
        f"The trainer is running another session then: {other}",
    )
    radios = page.find_all("input", name="suggestion")
    assert radios
    moved = await submit(client, page, "Move to this time", suggestion=radios[0].attrs["value"])
    assert moved.status_code == 303, moved.text
    starts = [s for s, _, _ in await sessions_of(client, world, path)]
    assert "2027-01-26T09:30:00Z" in starts
    assert len(set(starts)) == 2


async def test_a_session_is_cancelled_after_a_confirmation_step(client, world, mail_dir):
    path = await two_sessions(client, world, mail_dir)
    confirm = await open_page(client, link(await open_page(client, path), "Cancel"))
    check_structure(confirm, "cancel session")
    assert confirm.h1 == "Are you sure you want to cancel this session?"

    response = await submit(client, confirm, "Yes, cancel session")

    assert response.status_code == 303
    assert "Session cancelled" in (await open_page(client, response.headers["location"])).text
    assert [status for _, _, status in await sessions_of(client, world, path)] == [
        "cancelled",
        "scheduled",
    ]
