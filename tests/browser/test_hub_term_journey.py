"""/hub in a browser without JavaScript (issue 15): a hub admin's whole term as one journey. A
weekly series is added to a cohort, one session is moved onto the trainer's other session (the
clash names it and offers free times as radio choices; one is picked), one is cancelled after a
confirmation step, the cohort's places and trainer change, a course is renamed and a venue with
no sessions to come is retired. axe-core finds nothing at WCAG 2.2 AA on each page on the way,
and the cohort page and the clash are kept as screenshots for the README."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from tests.browser.conftest import Served, new_context
from tests.browser.seed import LONDON, api, ok, trainer_free_all_week
from tests.browser.test_every_page import WCAG_22_AA

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

COURSE = "Autism and anxiety across a term"
OTHER_COURSE = "Attention and movement breaks"
VENUE = "Salford Learning Centre (term journey)"
SPARE_VENUE = "Wigan Old Courts (term journey)"
CLASH = "The trainer is running another session then"


def weekday_in(days: int) -> datetime:
    """A Monday at least `days` away, so a weekly series and the day after stay on weekdays."""
    day = datetime.now(LONDON).date() + timedelta(days=days)
    while day.weekday() != 0:
        day += timedelta(days=1)
    return datetime.combine(day, time(14), LONDON)


def new_venue(hub: Any, hub_id: str, name: str) -> dict[str, Any]:
    return ok(
        hub.post(
            f"/hubs/{hub_id}/venues",
            json={
                "name": name,
                "address": "1 Term Street\nSalford",
                "postcode": "M5 4WT",
                "capacity": 30,
            },
        )
    )


def world(served: Served, first: datetime) -> dict[str, Any]:
    """Through the API: two trainers free all week, the cohort's course and venue, a venue with no
    sessions, and the trainer's session in another cohort the day after the series starts."""
    priya = trainer_free_all_week(served, "priya.shah.term@demo.example", "Priya Shah")
    trainer_free_all_week(served, "lee.grant.term@demo.example", "Lee Grant")
    with api(served, "hubadmin@demo.example") as hub:
        hub_id = ok(hub.get("/me"))["hub_id"]
        courses = [
            ok(
                hub.post(
                    "/courses",
                    json={
                        "title": title,
                        "summary": "Made by the term journey.",
                        "need_areas": ["social_emotional_mental_health"],
                        "audience": ["teacher"],
                    },
                )
            )
            for title in (COURSE, OTHER_COURSE)
        ]
        venue, spare = new_venue(hub, hub_id, VENUE), new_venue(hub, hub_id, SPARE_VENUE)
        cohorts = [
            ok(
                hub.post(
                    "/cohorts",
                    json={
                        "hub_id": hub_id,
                        "course_id": course["id"],
                        "trainer_id": priya,
                        "venue_id": venue["id"],
                        "capacity": 10,
                    },
                )
            )
            for course in courses
        ]
        other_start = (first + timedelta(days=1)).astimezone(UTC)
        ok(
            hub.post(
                f"/cohorts/{cohorts[1]['id']}/sessions",
                json={
                    "starts_at": other_start.isoformat(),
                    "ends_at": (other_start + timedelta(hours=2)).isoformat(),
                },
            )
        )
    return {"hub_id": hub_id, "course": courses[0], "cohort": cohorts[0], "spare": spare}


async def axe_clean(page: Page, checker: Page) -> None:
    """axe-core needs script, which the journey's page has not: the page as served is checked in
    a page with script (same address and styles; its own scripts are not run by set_content)."""
    await checker.goto(page.url)
    await checker.set_content(await page.content())
    results = await Axe().run(checker, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    assert results.violations_count == 0, f"{page.url}:\n{results.generate_report()}"


async def fill_date(page: Page, form: Any, day: datetime, label: str) -> None:
    group = form.get_by_role("group", name=label)
    await group.get_by_label("Day", exact=True).fill(str(day.day))
    await group.get_by_label("Month", exact=True).fill(str(day.month))
    await group.get_by_label("Year", exact=True).fill(str(day.year))


async def test_a_hub_admin_runs_a_term_without_javascript(browser, served, artifacts: Path):  # noqa: PLR0915 - one journey, by design
    first = weekday_in(150)
    made = world(served, first)
    cohort_url = f"/hub/cohorts/{made['cohort']['id']}"
    context = await new_context(browser, served, who="hub_admin", java_script_enabled=False)
    # axe-core is injected by script: the pages' strict CSP would otherwise refuse it.
    checking = await new_context(browser, served, who="hub_admin", bypass_csp=True)
    try:
        page, checker = await context.new_page(), await checking.new_page()
        await page.goto(cohort_url)
        await expect(page.get_by_role("heading", level=1)).to_have_text(COURSE)
        await expect(page.get_by_text("No sessions yet.")).to_be_visible()
        await axe_clean(page, checker)

        # A weekly series: four Mondays, 14:00 to 16:00.
        series = page.locator("form").filter(
            has=page.get_by_role("button", name="Add sessions", exact=True)
        )
        await fill_date(page, series, first, "Date of the first session")
        await series.get_by_label("Start time", exact=True).fill("14:00")
        await series.get_by_label("End time", exact=True).fill("16:00")
        await series.get_by_label("Every week", exact=True).check()
        await series.get_by_label("Number of sessions", exact=True).fill("4")
        await series.get_by_label("Venue", exact=True).select_option(label="The cohort's venue")
        await series.get_by_role("button", name="Add sessions", exact=True).click()
        await expect(page.get_by_text("Sessions added")).to_be_visible()
        changes = page.get_by_role("link", name=re.compile(r"^Change the session on"))
        await expect(changes).to_have_count(4)
        await axe_clean(page, checker)
        await page.screenshot(path=artifacts / "hub-cohort.png", full_page=True)

        # Move the first session onto the day after, when the trainer runs the other course.
        await changes.first.click()
        await expect(page.get_by_role("heading", name="Change a session")).to_be_visible()
        await axe_clean(page, checker)
        move = page.locator("form").filter(
            has=page.get_by_role("button", name="Save changes", exact=True)
        )
        await fill_date(page, move, first + timedelta(days=1), "Date")
        await move.get_by_label("Start time", exact=True).fill("14:00")
        await move.get_by_label("End time", exact=True).fill("16:00")
        await move.get_by_role("button", name="Save changes", exact=True).click()
        await expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        message = page.locator("#start-error")
        await expect(message).to_contain_text(CLASH)
        await expect(message).to_contain_text(OTHER_COURSE)  # the other session, named
        await expect(page.locator("#start")).to_have_accessible_description(re.compile(CLASH))
        choices = page.get_by_role("group", name=re.compile("Or choose a time")).get_by_role(
            "radio"
        )
        assert await choices.count() >= 2, "free times are offered as radio choices"
        await expect(choices.first).to_be_checked()
        await axe_clean(page, checker)
        await page.screenshot(path=artifacts / "hub-clash.png", full_page=True)

        picked_id = await choices.nth(1).get_attribute("id")
        picked = (await page.locator(f"label[for='{picked_id}']").inner_text()).strip()
        await choices.nth(1).check()
        await page.get_by_role("button", name="Move to this time").click()
        await expect(page.get_by_text("Session changed")).to_be_visible()
        await expect(page.get_by_role("listitem").filter(has_text=picked)).to_have_count(1)
        await axe_clean(page, checker)

        # Cancel the last session, after its confirmation step.
        await changes.last.wait_for()
        cancels = page.get_by_role("link", name=re.compile(r"^Cancel the session on"))
        await cancels.last.click()
        await expect(
            page.get_by_role("heading", name="Are you sure you want to cancel this session?")
        ).to_be_visible()
        await axe_clean(page, checker)
        await page.get_by_role("button", name="Yes, cancel session").click()
        await expect(page.get_by_text("Session cancelled")).to_be_visible()
        await expect(page.get_by_role("listitem").filter(has_text="(cancelled)")).to_have_count(1)
        await expect(changes).to_have_count(3)

        await page.get_by_label("Number of places", exact=True).fill("12")
        await page.get_by_role("button", name="Change number of places").click()
        await expect(page.get_by_text("Number of places changed")).to_be_visible()
        await expect(page.get_by_role("definition").filter(has_text="12 (0 booked")).to_be_visible()
        await axe_clean(page, checker)

        await page.get_by_label("Trainer", exact=True).select_option(label="Lee Grant")
        await page.get_by_role("button", name="Change trainer").click()
        await expect(page.get_by_text("Trainer changed")).to_be_visible()
        await expect(page.get_by_role("definition").filter(has_text="Lee Grant")).to_be_visible()
        await axe_clean(page, checker)

        # The course's title, from the hub page.
        renamed = f"{COURSE}: spring"
        await page.goto(f"/hub?hub={made['hub_id']}")
        await page.get_by_role("link", name=f"Change {COURSE}", exact=True).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(f"Change {COURSE}")
        await axe_clean(page, checker)
        await page.get_by_label("Course title", exact=True).fill(renamed)
        await page.get_by_role("button", name="Save changes").click()
        await expect(page.get_by_text("Course changed")).to_be_visible()
        await expect(page.get_by_role("term").filter(has_text=renamed)).to_have_count(1)
        await axe_clean(page, checker)

        # A venue with no sessions to come is retired after a confirmation step.
        await page.get_by_role("link", name=f"Change {SPARE_VENUE}", exact=True).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(f"Change {SPARE_VENUE}")
        await axe_clean(page, checker)
        await page.get_by_role("link", name="Retire this venue").click()
        await expect(
            page.get_by_role("heading", name="Are you sure you want to retire this venue?")
        ).to_be_visible()
        await axe_clean(page, checker)
        await page.get_by_role("button", name="Yes, retire venue").click()
        await expect(page.get_by_text("Venue retired")).to_be_visible()
        await expect(page.get_by_role("term").filter(has_text=SPARE_VENUE)).to_have_count(0)
        await axe_clean(page, checker)

        await page.goto(cohort_url)
        await expect(page.get_by_role("heading", level=1)).to_have_text(renamed)
    finally:
        await context.close()
        await checking.close()
