"""/hub/cohorts/{id}: give a cohort to another trainer (a refusal names the sessions in the way)
or change its number of places
(docs/contract.md, Pages additions)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.pages.conftest import open_page, submit
from tests.pages.test_hub_pages import add_session, create_cohort_through_the_page
from tests.pages.test_page_structure import check_structure
from tests.support.engine import add_session as api_session
from tests.support.engine import add_trainer, create_cohort, teacher_token
from tests.support.factories import bearer, create_venue
from tests.support.html import Page


async def test_a_hub_admin_gives_a_cohort_to_another_trainer(client, world, mail_dir):
    tom = await add_trainer(client, world, "tom@example.org")
    path = await create_cohort_through_the_page(client, world, mail_dir)
    assert (await add_session(client, path)).status_code == 303
    page = await open_page(client, path)
    check_structure(page, path)

    response = await submit(client, page, "Change trainer", new_trainer=tom["user"]["id"])

    assert response.status_code == 303, response.text
    done = await open_page(client, response.headers["location"])
    assert "Trainer changed" in done.text
    cohort_id = path.rsplit("/", 1)[1]
    cohort = (
        await client.get(f"/api/v1/cohorts/{cohort_id}", headers=bearer(world.hub_admin))
    ).json()
    assert cohort["trainer_id"] == tom["user"]["id"]


async def test_a_trainer_teaching_elsewhere_then_is_named(client, world, mail_dir):
    tom = await add_trainer(client, world, "tom@example.org")
    room = await create_venue(client, world.hub_admin, world.hub["id"], name="Room 2")
    toms = await create_cohort(client, world, trainer_id=tom["user"]["id"], venue_id=room["id"])
    busy = datetime(2027, 1, 25, 10, 0, tzinfo=UTC)
    assert (await api_session(client, world, toms["id"], busy)).status_code == 201
    path = await create_cohort_through_the_page(client, world, mail_dir)
    assert (await add_session(client, path)).status_code == 303  # 25 January, 9:30 to midday
    page = await open_page(client, path)

    response = await submit(client, page, "Change trainer", new_trainer=tom["user"]["id"])

    assert response.status_code == 409
    assert Page(response.text).error_summary() == [
        (
            "#new_trainer",
            (
                "The trainer cannot take this cohort: they are teaching Autism in the classroom "
                "on Monday 25 January 2027, 10am to midday"
            ),
        )
    ]


async def test_more_places_go_to_the_waitlist_and_fewer_than_booked_is_explained(
    client, world, mail_dir
):
    path = await create_cohort_through_the_page(client, world, mail_dir, capacity="1")
    assert (await add_session(client, path)).status_code == 303
    page = await open_page(client, path)
    assert (await submit(client, page, "Publish cohort")).status_code == 303
    cohort_id = path.rsplit("/", 1)[1]
    for email in ("one@school.example", "two@school.example"):
        token = await teacher_token(client, email)
        booked = await client.post(f"/api/v1/cohorts/{cohort_id}/bookings", headers=bearer(token))
        assert booked.status_code == 201
    page = await open_page(client, path)
    assert page.find_all("input", id="new_capacity")[0].attrs["value"] == "1"

    more = await submit(client, page, "Change number of places", new_capacity="2")

    assert more.status_code == 303
    assert "Number of places changed" in (await open_page(client, more.headers["location"])).text
    cohort = (await client.get(f"/api/v1/cohorts/{cohort_id}")).json()
    assert (cohort["capacity"], cohort["confirmed_count"], cohort["waitlist_length"]) == (2, 2, 0)

    fewer = await submit(
        client, await open_page(client, path), "Change number of places", new_capacity="1"
    )

    assert fewer.status_code == 409
    assert Page(fewer.text).error_summary() == [
        ("#new_capacity", "There are more people booked or offered a place than that")
    ]


async def test_the_hub_reaches_each_cohorts_roster(client, world, mail_dir):
    path = await create_cohort_through_the_page(client, world, mail_dir)
    assert (await add_session(client, path)).status_code == 303
    assert (
        await submit(client, await open_page(client, path), "Publish cohort")
    ).status_code == 303
    cohort_id = path.rsplit("/", 1)[1]
    token = await teacher_token(client, "one@school.example")
    await client.post(f"/api/v1/cohorts/{cohort_id}/bookings", headers=bearer(token))
    page = await open_page(client, path)
    (link,) = [a for a in page.find_all("a") if a.text.startswith("Roster and attendance")]

    roster = await open_page(client, str(link.attrs["href"]))

    check_structure(roster, "roster")
    assert "one@school.example" in roster.text
    back = [a for a in roster.find_all("a") if "govuk-back-link" in a.attrs.get("class", "")]
    assert [a.attrs["href"] for a in back] == [path]
