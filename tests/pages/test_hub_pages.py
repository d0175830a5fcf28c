"""/hub: a hub admin adds venues, courses and trainers through the pages."""

from __future__ import annotations

from tests.pages.conftest import open_page, sign_in, submit
from tests.pages.test_page_structure import check_structure
from tests.support.factories import bearer
from tests.support.html import Page

VENUE = {
    "name": "Quarry Bank Centre",
    "address": "1 Mill Lane\nStyal",
    "postcode": "SK9 4LA",
    "capacity": "24",
    "timezone": "Europe/London",
    "accessibility-step_free_access": "yes",
    "accessibility-hearing_loop": "yes",
    "travel_notes": "Park by the mill.",
}


async def hub_page(client, mail_dir) -> Page:
    await sign_in(client, mail_dir, "hubadmin@example.org")
    return await open_page(client, "/hub")


async def test_the_hub_page_has_one_h1_a_title_and_labelled_fields(client, world, mail_dir):
    page = await hub_page(client, mail_dir)

    check_structure(page, "/hub")
    assert page.h1 == "North West Hub"
    assert "Step-free access" in [label.text for label in page.find_all("label")]


async def test_a_teacher_is_not_shown_the_hub_page(client, world, mail_dir):
    await sign_in(client, mail_dir, "ada@example.org")

    await open_page(client, "/hub", status=404)


async def test_a_hub_admin_adds_a_venue_with_its_accessibility(client, world, mail_dir):
    page = await hub_page(client, mail_dir)

    response = await submit(client, page, "Add venue", **VENUE)

    assert response.status_code == 303
    listed = await open_page(client, response.headers["location"])
    assert "Venue added" in listed.text
    assert "Quarry Bank Centre" in listed.text
    assert "Step-free access" in listed.text
    assert "Hearing loop" in listed.text
    venues = await client.get(f"/api/v1/venues?hub_id={world.hub['id']}")
    (added,) = [v for v in venues.json()["items"] if v["name"] == "Quarry Bank Centre"]
    assert sorted(added["accessibility"]) == ["hearing_loop", "step_free_access"]
    assert added["address"] == "1 Mill Lane\nStyal"


async def test_a_wrong_postcode_and_capacity_are_explained_next_to_the_fields(
    client, world, mail_dir
):
    page = await hub_page(client, mail_dir)

    response = await submit(client, page, "Add venue", **VENUE | {"capacity": "lots"})

    assert response.status_code == 400
    errors = Page(response.text)
    assert errors.error_summary() == [("#capacity", "The capacity must be a whole number, like 20")]
    assert errors.title.startswith("Error: ")
    # What was typed is kept.
    assert errors.find_all("input", id="postcode")[0].attrs["value"] == "SK9 4LA"

    response = await submit(client, page, "Add venue", **VENUE | {"postcode": "nowhere"})

    assert Page(response.text).error_summary() == [
        ("#postcode", "Enter a real postcode, like SW1A 1AA")
    ]


async def test_a_hub_admin_adds_a_course(client, world, mail_dir):
    page = await hub_page(client, mail_dir)

    response = await submit(
        client,
        page,
        "Add course",
        title="Dyslexia friendly teaching",
        summary="Practical strategies.",
        **{"need_areas-cognition_and_learning": "yes", "audience-teacher": "yes"},
    )

    assert response.status_code == 303
    courses = (await client.get("/api/v1/courses")).json()["items"]
    (added,) = [c for c in courses if c["title"] == "Dyslexia friendly teaching"]
    assert added["need_areas"] == ["cognition_and_learning"]
    assert added["audience"] == ["teacher"]


async def test_a_course_without_a_need_area_is_explained(client, world, mail_dir):
    page = await hub_page(client, mail_dir)

    response = await submit(
        client, page, "Add course", title="T", summary="S", **{"audience-teacher": "yes"}
    )

    assert response.status_code == 400
    assert Page(response.text).error_summary() == [("#need_areas", "Select at least one need area")]


async def test_a_hub_admin_adds_a_trainer_who_then_signs_in_by_email_code(client, world, mail_dir):
    page = await hub_page(client, mail_dir)

    response = await submit(
        client, page, "Add trainer", trainer_name="Grace Hopper", email="grace@example.org"
    )

    assert response.status_code == 200, response.text
    added = Page(response.text)
    check_structure(added, "trainer added")
    assert added.h1 == "Trainer added"
    assert "do not need a password or a token" in added.text
    await client.get("/sign-out")
    client.cookies.clear()
    await sign_in(client, mail_dir, "grace@example.org")
    me = await open_page(client, "/trainer")
    assert me.h1 == "Your training"


async def test_a_second_trainer_with_the_same_email_is_explained(client, world, mail_dir):
    page = await hub_page(client, mail_dir)

    response = await submit(
        client, page, "Add trainer", trainer_name="Again", email="trainer@example.org"
    )

    assert response.status_code == 400
    assert Page(response.text).error_summary() == [
        ("#email", "This email address already has an account")
    ]
    hubs = await client.get(f"/api/v1/hubs/{world.hub['id']}", headers=bearer(world.hub_admin))
    assert hubs.status_code == 200
