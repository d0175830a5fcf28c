"""/hub: a hub admin adds venues, courses and trainers through the pages."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.pages.conftest import open_page, sign_in, submit
from tests.pages.test_page_structure import check_structure
from tests.support.engine import add_session as api_session
from tests.support.engine import add_trainer, create_cohort
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


def as_shown(page: Page) -> dict[str, str]:
    """The create-cohort form's durations as a browser would send them untouched: each select's
    selected option and each ticked reminder box."""
    fields = {}
    for name in ("offer_ttl", "promotion_cutoff", "approval_ttl"):
        (select,) = page.find_all("select", name=name)
        fields[name] = next(
            o.attrs["value"] for o in select.find_all("option") if "selected" in o.attrs
        )
    for box in page.find_all("input", type="checkbox"):
        if box.attrs["name"].startswith("reminder_offsets-") and "checked" in box.attrs:
            fields[box.attrs["name"]] = "yes"
    return fields


async def create_cohort_through_the_page(
    client, world, mail_dir, capacity: str = "12", **durations: str
) -> str:
    page = await hub_page(client, mail_dir)
    response = await submit(
        client,
        page,
        "Create cohort",
        course_id=world.course["id"],
        trainer_id=world.trainer["user"]["id"],
        venue_id=world.venue["id"],
        cohort_capacity=capacity,
        waitlist_mode="auto",
        **as_shown(page) | durations,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


async def add_session(client, path: str, **fields: str):
    page = await open_page(client, path)
    typed = {"date-day": "25", "date-month": "1", "date-year": "2027", "start": "09:30"}
    return await submit(client, page, "Add session", **typed | {"end": "12:00"} | fields)


async def test_the_create_cohort_form_offers_the_hubs_trainers_with_defaults(
    client, world, mail_dir
):
    page = await hub_page(client, mail_dir)

    trainer_select = page.find_all("select", id="trainer_id")[0]
    assert "trainer" in [o.text for o in trainer_select.find_all("option")]
    # The API's defaults (PT48H, PT24H, P3D, reminders P7D and P1D), in words.
    assert as_shown(page) == {
        "offer_ttl": "48-hours",
        "promotion_cutoff": "24-hours",
        "approval_ttl": "3-days",
        "reminder_offsets-1-week": "yes",
        "reminder_offsets-1-day": "yes",
    }
    words = {
        name: [o.text for o in page.find_all("select", name=name)[0].find_all("option")]
        for name in ("offer_ttl", "promotion_cutoff", "approval_ttl")
    }
    assert words["offer_ttl"] == ["12 hours", "24 hours", "48 hours", "72 hours", "1 week"]
    assert words["approval_ttl"] == ["1 day", "2 days", "3 days", "5 days", "7 days"]
    assert "PT" not in page.find_all("form", action=f"/hub/cohorts?hub={world.hub['id']}")[0].text


async def stored_durations(client, world, path: str) -> tuple[str, str, list[str], str]:
    cohort_id = path.rsplit("/", 1)[1]
    response = await client.get(f"/api/v1/cohorts/{cohort_id}", headers=bearer(world.hub_admin))
    assert response.status_code == 200, response.text
    c = response.json()
    return c["offer_ttl"], c["promotion_cutoff"], c["reminder_offsets"], c["approval_ttl"]


async def test_a_cohort_created_with_the_defaults_gets_the_apis_durations(client, world, mail_dir):
    path = await create_cohort_through_the_page(client, world, mail_dir)

    assert await stored_durations(client, world, path) == ("PT48H", "PT24H", ["P7D", "P1D"], "P3D")


async def test_durations_chosen_in_words_are_stored_as_iso_8601(client, world, mail_dir):
    page = await hub_page(client, mail_dir)
    response = await submit(
        client,
        page,
        "Create cohort",
        course_id=world.course["id"],
        trainer_id=world.trainer["user"]["id"],
        venue_id=world.venue["id"],
        cohort_capacity="12",
        waitlist_mode="offer",
        offer_ttl="1-week",
        promotion_cutoff="none",
        approval_ttl="5-days",
        **{"reminder_offsets-2-days": "yes", "reminder_offsets-2-hours": "yes"},
    )
    assert response.status_code == 303, response.text

    stored = await stored_durations(client, world, response.headers["location"])
    assert stored == ("P7D", "PT0S", ["P2D", "PT2H"], "P5D")


async def test_no_reminder_ticked_means_no_reminders(client, world, mail_dir):
    page = await hub_page(client, mail_dir)
    shown = {k: v for k, v in as_shown(page).items() if not k.startswith("reminder_offsets")}
    response = await submit(
        client,
        page,
        "Create cohort",
        course_id=world.course["id"],
        trainer_id=world.trainer["user"]["id"],
        venue_id=world.venue["id"],
        cohort_capacity="12",
        waitlist_mode="auto",
        **shown,
    )
    assert response.status_code == 303, response.text

    assert (await stored_durations(client, world, response.headers["location"]))[2] == []


async def test_a_duration_not_in_the_list_is_refused_next_to_its_field(client, world, mail_dir):
    page = await hub_page(client, mail_dir)
    chosen = {
        "course_id": world.course["id"],
        "trainer_id": world.trainer["user"]["id"],
        "venue_id": world.venue["id"],
        "cohort_capacity": "12",
        "waitlist_mode": "auto",
    } | as_shown(page)

    forged = [
        ({"offer_ttl": "PT1S"}, "#offer_ttl", "Select how long an offer lasts from the list"),
        (
            {"promotion_cutoff": "PT24H"},
            "#promotion_cutoff",
            "Select when to stop filling places from the waitlist from the list",
        ),
        (
            {"approval_ttl": ""},
            "#approval_ttl",
            "Select how long a school lead has to approve from the list",
        ),
        (
            {"reminder_offsets-3-weeks": "yes"},
            "#reminder_offsets",
            "Select reminders from the list",
        ),
        ({"reminder_offsets": "P7D, P1D"}, "#reminder_offsets", "Select reminders from the list"),
        ({"reminder_offsets-1-day": "P1D"}, "#reminder_offsets", "Select reminders from the list"),
    ]
    for fields, target, message in forged:
        response = await submit(client, page, "Create cohort", **chosen | fields)

        assert response.status_code == 400, (fields, response.text)
        refused = Page(response.text)
        assert refused.error_summary() == [(target, message)], fields
        assert refused.find_all("p", id=f"{target[1:]}-error")[0].text == f"Error: {message}"

    # Nothing was created by any of them.
    assert cohort_links(await open_page(client, "/hub")) == cohort_links(page)


def cohort_links(page: Page) -> list[str]:
    return [
        a.attrs["href"] for a in page.find_all("a") if "/hub/cohorts/" in a.attrs.get("href", "")
    ]


async def test_a_hub_admin_creates_a_cohort_adds_a_session_publishes_and_cancels(
    client, world, mail_dir
):
    path = await create_cohort_through_the_page(client, world, mail_dir)
    manage = await open_page(client, path)
    check_structure(manage, path)
    assert manage.h1 == "Autism in the classroom"

    response = await add_session(client, path)

    assert response.status_code == 303
    manage = await open_page(client, response.headers["location"])
    assert "Session added" in manage.text
    # 9:30 in London in January is 09:30 UTC.
    cohort_id = path.rsplit("/", 1)[1]
    sessions = (
        await client.get(f"/api/v1/cohorts/{cohort_id}", headers=bearer(world.hub_admin))
    ).json()["sessions"]
    assert [(s["starts_at"], s["ends_at"]) for s in sessions] == [
        ("2027-01-25T09:30:00Z", "2027-01-25T12:00:00Z")
    ]

    response = await submit(client, manage, "Publish cohort")
    assert response.status_code == 303
    published = await open_page(client, response.headers["location"])
    assert "Cohort published" in published.text
    assert f"/cohorts/{cohort_id}" in [
        a.attrs.get("href") for a in (await open_page(client, "/")).find_all("a")
    ]

    (link,) = [a for a in published.find_all("a") if a.text == "Cancel cohort"]
    confirm = await open_page(client, link.attrs["href"])
    check_structure(confirm, "cancel")
    assert confirm.h1 == "Are you sure you want to cancel this cohort?"
    refused = await submit(client, confirm, "Yes, cancel cohort", reason="")
    assert Page(refused.text).error_summary() == [
        ("#reason", "Enter the reason, so the people booked know why")
    ]
    # A vertical tab pasted from a word processor would make every cancellation mail fail.
    pasted = await submit(client, confirm, "Yes, cancel cohort", reason="The trainer\x0bis ill.")
    assert Page(pasted.text).error_summary() == [
        ("#reason", "The reason must be text only: remove any special characters pasted in with it")
    ]
    assert (await client.get(f"/api/v1/cohorts/{cohort_id}")).json()["status"] == "published"
    response = await submit(client, confirm, "Yes, cancel cohort", reason="The trainer is ill.")

    assert response.status_code == 303
    cancelled = await open_page(client, response.headers["location"])
    assert "Cohort cancelled" in cancelled.text
    status = (await client.get(f"/api/v1/cohorts/{cohort_id}")).json()["status"]
    assert status == "cancelled"


async def test_a_clashing_session_is_explained_next_to_the_start_time(client, world, mail_dir):
    path = await create_cohort_through_the_page(client, world, mail_dir)
    assert (await add_session(client, path)).status_code == 303

    response = await add_session(client, path, start="11:00", end="13:00")

    assert response.status_code == 409
    page = Page(response.text)
    # The other session is named, by the start time (the trainer's) and by the venue.
    other = "Autism in the classroom, Monday 25 January 2027, 9:30am to midday"
    message = f"The trainer is running another session then: {other}"
    assert page.error_summary() == [
        ("#start", message),
        ("#venue", f"The venue has another session then: {other}"),
    ]
    assert page.find_all("p", id="start-error")[0].text == f"Error: {message}"
    assert page.title.startswith("Error: ")
    # What was typed is kept.
    assert page.find_all("input", id="start")[0].attrs["value"] == "11:00"


async def test_a_session_outside_the_trainers_availability_is_explained(client, world, mail_dir):
    path = await create_cohort_through_the_page(client, world, mail_dir)
    await client.put(
        f"/api/v1/trainers/{world.trainer['user']['id']}/availability",
        json={
            "timezone": "Europe/London",
            "weekly": [{"day": "tue", "start": "09:00", "end": "17:00"}],
        },
        headers=bearer(world.hub_admin),
    )

    response = await add_session(client, path)  # a Monday

    assert response.status_code == 409
    ((target, message),) = Page(response.text).error_summary()
    assert target == "#start"
    assert message.startswith("The trainer is not available then")


async def test_a_session_in_the_past_and_a_missing_time_are_explained(client, world, mail_dir):
    path = await create_cohort_through_the_page(client, world, mail_dir)

    past = await add_session(client, path, **{"date-year": "2026"})
    missing = await add_session(client, path, end="")

    assert Page(past.text).error_summary() == [("#date", "The session must start in the future")]
    assert Page(missing.text).error_summary() == [("#end", "Enter the end time")]


async def test_a_cohort_larger_than_its_venue_is_explained_next_to_places(client, world, mail_dir):
    page = await hub_page(client, mail_dir)

    response = await submit(
        client,
        page,
        "Create cohort",
        course_id=world.course["id"],
        trainer_id=world.trainer["user"]["id"],
        venue_id=world.venue["id"],
        cohort_capacity="500",
        waitlist_mode="auto",
        **as_shown(page),
    )

    assert response.status_code == 400
    assert Page(response.text).error_summary() == [
        ("#cohort_capacity", "There are more places than the venue holds")
    ]


async def test_publishing_without_a_session_is_explained(client, world, mail_dir):
    path = await create_cohort_through_the_page(client, world, mail_dir)
    manage = await open_page(client, path)

    response = await submit(client, manage, "Publish cohort")

    assert response.status_code == 409
    assert Page(response.text).error_summary() == [
        ("#publish", "Add a session in the future before publishing")
    ]


async def test_an_admin_chooses_a_hub_then_manages_it(client, world, mail_dir):
    await sign_in(client, mail_dir, "admin@example.org")
    choose = await open_page(client, "/hub")
    check_structure(choose, "choose")
    (link,) = [a for a in choose.find_all("a") if a.text == "North West Hub"]

    page = await open_page(client, link.attrs["href"])
    response = await submit(client, page, "Add venue", **VENUE)

    assert page.h1 == "North West Hub"
    assert response.status_code == 303
    venues = await client.get(f"/api/v1/venues?hub_id={world.hub['id']}")
    assert "Quarry Bank Centre" in [v["name"] for v in venues.json()["items"]]


async def test_a_venue_already_in_use_is_explained_next_to_the_venue(client, world, mail_dir):
    other = await add_trainer(client, world, "second@example.org")
    busy = await create_cohort(client, world, trainer_id=other["user"]["id"])
    start = datetime(2027, 1, 25, 9, 0, tzinfo=UTC)
    assert (await api_session(client, world, busy["id"], start)).status_code == 201
    path = await create_cohort_through_the_page(client, world, mail_dir)

    response = await add_session(client, path)

    assert response.status_code == 409
    assert Page(response.text).error_summary() == [
        (
            "#venue",
            (
                "The venue has another session then: "
                "Autism in the classroom, Monday 25 January 2027, 9am to 11am"
            ),
        )
    ]


async def test_a_clash_offers_suggested_times_and_one_can_be_picked(client, world, mail_dir):
    path = await create_cohort_through_the_page(client, world, mail_dir)
    assert (await add_session(client, path)).status_code == 303

    response = await add_session(client, path, start="11:00", end="13:00")

    page = Page(response.text)
    radios = page.find_all("input", name="suggestion")
    labels = [
        label.text
        for label in page.find_all("label")
        if label.attrs.get("for", "").startswith("suggestion-")
    ]
    # The nearest free two hours: straight after the other session, the same day.
    assert labels[0] == "Monday 25 January 2027, midday to 2pm"
    assert len(radios) == len(labels) <= 3
    picked = await submit(
        client, page, "Add session at this time", suggestion=radios[0].attrs["value"]
    )
    assert picked.status_code == 303, picked.text
    cohort_id = path.rsplit("/", 1)[1]
    sessions = (
        await client.get(f"/api/v1/cohorts/{cohort_id}", headers=bearer(world.hub_admin))
    ).json()["sessions"]
    assert [(s["starts_at"], s["ends_at"]) for s in sessions] == [
        ("2027-01-25T09:30:00Z", "2027-01-25T12:00:00Z"),
        ("2027-01-25T12:00:00Z", "2027-01-25T14:00:00Z"),
    ]


async def test_an_empty_venue_form_flags_every_missing_answer_in_form_order(
    client, world, mail_dir
):
    page = await hub_page(client, mail_dir)

    response = await submit(
        client, page, "Add venue", name="", address="", postcode="", capacity=""
    )

    assert response.status_code == 400
    assert Page(response.text).error_summary() == [
        ("#name", "Enter the venue's name"),
        ("#address", "Enter the venue's address"),
        ("#postcode", "Enter the venue's postcode"),
        ("#capacity", "Enter the capacity"),
    ]
