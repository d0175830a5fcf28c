"""/hub: a hub admin changes a course's title and summary (docs/contract.md, Pages additions)."""

from __future__ import annotations

from tests.pages.conftest import open_page, sign_in, submit
from tests.pages.test_page_structure import check_structure
from tests.support.html import Page


async def course_form(client, world, mail_dir) -> tuple[Page, str]:
    await sign_in(client, mail_dir, "hubadmin@example.org")
    hub = await open_page(client, "/hub")
    (link,) = [
        a
        for a in hub.find_all("a")
        if str(a.attrs.get("href", "")).startswith(f"/hub/courses/{world.course['id']}")
    ]
    assert link.text == f"Change {world.course['title']}"
    path = str(link.attrs["href"])
    return await open_page(client, path), path


async def test_a_hub_admin_changes_a_course_title_and_summary(client, world, mail_dir):
    page, path = await course_form(client, world, mail_dir)
    check_structure(page, path)
    assert page.find_all("input", id="title")[0].attrs["value"] == "Autism in the classroom"

    response = await submit(
        client, page, "Save changes", title="Autism: next steps", summary="Longer summary"
    )

    assert response.status_code == 303
    hub = await open_page(client, response.headers["location"])
    assert "Course changed" in hub.text
    assert "Autism: next steps" in hub.text
    course = (await client.get(f"/api/v1/courses/{world.course['id']}")).json()
    assert (course["title"], course["summary"]) == ("Autism: next steps", "Longer summary")


async def test_an_empty_title_and_summary_are_explained_by_their_fields(client, world, mail_dir):
    page, _ = await course_form(client, world, mail_dir)

    response = await submit(client, page, "Save changes", title="", summary="")

    assert response.status_code == 400
    summary = Page(response.text).error_summary()
    assert ("#summary", "Enter a summary of the course") in summary
    course = (await client.get(f"/api/v1/courses/{world.course['id']}")).json()
    assert course["title"] == "Autism in the classroom"


async def test_a_title_with_a_control_character_is_refused(client, world, mail_dir):
    page, _ = await course_form(client, world, mail_dir)
    response = await submit(client, page, "Save changes", title="Bell\x07", summary="S")
    assert response.status_code == 400
    assert Page(response.text).error_summary() == [("#title", "Enter the course title")]
    course = (await client.get(f"/api/v1/courses/{world.course['id']}")).json()
    assert course["title"] == "Autism in the classroom"
