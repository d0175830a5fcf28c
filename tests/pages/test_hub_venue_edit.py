"""/hub/venues/{id}: a hub admin changes a venue, or retires it after a confirmation step
(refused while it has sessions to come) (docs/contract.md, Pages additions)."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import START
from tests.pages.conftest import open_page, sign_in, submit
from tests.pages.test_page_structure import check_structure
from tests.support.engine import published_cohort
from tests.support.html import Page

FIELDS = {
    "name": "Room 1",
    "address": "1 High Street\nManchester",
    "postcode": "M1 1AE",
    "capacity": "20",
    "timezone": "Europe/London",
    "accessibility-step_free_access": "yes",
    "accessibility-hearing_loop": "yes",
}


async def venue_form(client, world, mail_dir) -> Page:
    await sign_in(client, mail_dir, "hubadmin@example.org")
    hub = await open_page(client, "/hub")
    (link,) = [
        a
        for a in hub.find_all("a")
        if str(a.attrs.get("href", "")).startswith(f"/hub/venues/{world.venue['id']}")
    ]
    return await open_page(client, str(link.attrs["href"]))


async def test_a_hub_admin_changes_a_venue(client, world, mail_dir):
    page = await venue_form(client, world, mail_dir)
    check_structure(page, "venue")
    assert page.find_all("input", id="postcode")[0].attrs["value"] == "M1 1AE"

    response = await submit(
        client, page, "Save changes", **FIELDS | {"name": "The Mill", "capacity": "25"}
    )

    assert response.status_code == 303, response.text
    assert "Venue changed" in (await open_page(client, response.headers["location"])).text
    venue = (await client.get(f"/api/v1/venues/{world.venue['id']}")).json()
    assert (venue["name"], venue["capacity"]) == ("The Mill", 25)
    assert sorted(venue["accessibility"]) == ["hearing_loop", "step_free_access"]


async def test_an_emptied_venue_form_is_explained_in_form_order(client, world, mail_dir):
    page = await venue_form(client, world, mail_dir)
    response = await submit(client, page, "Save changes", **FIELDS | {"name": "", "postcode": ""})
    assert response.status_code == 400
    assert Page(response.text).error_summary() == [
        ("#name", "Enter the venue's name"),
        ("#postcode", "Enter the venue's postcode"),
    ]


async def test_a_venue_with_sessions_to_come_cannot_be_retired(client, world, mail_dir):
    await published_cohort(client, world, START + timedelta(days=14))
    page = await venue_form(client, world, mail_dir)
    (link,) = [a for a in page.find_all("a") if a.text == "Retire this venue"]
    confirm = await open_page(client, str(link.attrs["href"]))
    check_structure(confirm, "retire")

    response = await submit(client, confirm, "Yes, retire venue")

    assert response.status_code == 409
    assert Page(response.text).error_summary()[0][0] == "#retire"
    assert (await client.get(f"/api/v1/venues/{world.venue['id']}")).status_code == 200


async def test_a_venue_with_nothing_to_come_is_retired(client, world, mail_dir):
    page = await venue_form(client, world, mail_dir)
    (link,) = [a for a in page.find_all("a") if a.text == "Retire this venue"]
    confirm = await open_page(client, str(link.attrs["href"]))

    response = await submit(client, confirm, "Yes, retire venue")

    assert response.status_code == 303
    hub = await open_page(client, response.headers["location"])
    assert "Venue retired" in hub.text
    assert f"/hub/venues/{world.venue['id']}" not in " ".join(
        str(a.attrs.get("href", "")) for a in hub.find_all("a")
    )
