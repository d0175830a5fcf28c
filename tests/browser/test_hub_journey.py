"""/hub in a browser (issue 7): a hub admin adds a venue (accessibility as checkboxes), a course, a
trainer and a cohort, adds a session, sees a clashing session explained next to the field,
publishes, then cancels with a reason. With JavaScript and without it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import new_context

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

LONDON = ZoneInfo("Europe/London")
ADA = "Ada Okafor"  # the demo trainer with weekday mornings free
CLASH = "The trainer is running another session then"


def weekday_in(days: int) -> datetime:
    day = datetime.now(LONDON) + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def open_details(page: Page, summary: str) -> None:
    await page.get_by_text(summary, exact=True).click()


async def add_session(page: Page, day: datetime, start: str, end: str, venue: str) -> None:
    # The cohort page also has the weekly series form, with date fields of its own.
    form = page.locator("form").filter(
        has=page.get_by_role("button", name="Add session", exact=True)
    )
    await form.get_by_label("Day", exact=True).fill(str(day.day))
    await form.get_by_label("Month", exact=True).fill(str(day.month))
    await form.get_by_label("Year", exact=True).fill(str(day.year))
    await form.get_by_label("Start time", exact=True).fill(start)
    await form.get_by_label("End time", exact=True).fill(end)
    await form.get_by_label("Venue", exact=True).select_option(label=venue)
    await form.get_by_role("button", name="Add session", exact=True).click()


async def add_venue_and_course(page: Page, venue: str, course: str) -> None:
    await open_details(page, "Add a venue")
    await page.get_by_label("Venue name", exact=True).fill(venue)
    await page.get_by_label("Address", exact=True).fill("Le Mans Crescent\nBolton")
    await page.get_by_label("Postcode", exact=True).fill("BL1 1SE")
    await page.get_by_label("Capacity", exact=True).fill("20")
    access = page.get_by_role("group", name=re.compile("Accessibility"))
    await access.get_by_label(re.compile("step-free access", re.IGNORECASE)).check()
    await access.get_by_label(re.compile("hearing loop", re.IGNORECASE)).check()
    await page.get_by_role("button", name="Add venue").click()
    await expect(page.get_by_text("Venue added")).to_be_visible()
    await expect(page.get_by_role("term").filter(has_text=venue)).to_be_visible()

    await open_details(page, "Add a course")
    await page.get_by_label("Course title", exact=True).fill(course)
    await page.get_by_label("Summary", exact=True).fill("Fonts, layouts and routines that help.")
    await page.get_by_role("group", name="Need areas").get_by_role("checkbox").first.check()
    await page.get_by_role("group", name="Who it is for").get_by_role("checkbox").first.check()
    await page.get_by_role("button", name="Add course").click()
    await expect(page.get_by_text("Course added")).to_be_visible()


@pytest.mark.parametrize("js", [True, False], ids=["with-js", "without-js"])
async def test_a_hub_admin_sets_up_publishes_and_cancels_a_cohort(browser, served, js):
    tag = "with JavaScript" if js else "without JavaScript"
    venue, course = f"Bolton Library ({tag})", f"Dyslexia-friendly classrooms ({tag})"
    day = weekday_in(100 if js else 110)
    context = await new_context(browser, served, who="hub_admin", java_script_enabled=js)
    try:
        page = await context.new_page()
        await page.goto("/hub")

        await add_venue_and_course(page, venue, course)

        await page.goto("/hub")
        await open_details(page, "Add a trainer")
        await page.get_by_label("Full name", exact=True).fill(f"Sam Reid ({tag})")
        email = f"sam.reid.{'js' if js else 'nojs'}@demo.example"
        await page.get_by_label("Email address", exact=True).fill(email)
        await page.get_by_role("button", name="Add trainer").click()
        await expect(page.get_by_role("heading", name="Trainer added")).to_be_visible()

        await page.goto("/hub")
        await open_details(page, "Create a cohort")
        await page.get_by_label("Course", exact=True).select_option(label=course)
        await page.get_by_label("Trainer", exact=True).select_option(label=ADA)
        await page.get_by_label("Venue", exact=True).select_option(label=f"{venue} (holds 20)")
        await page.get_by_label("Places", exact=True).fill("10")
        await page.get_by_role("button", name="Create cohort").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(course)

        await add_session(page, day, "10:00", "11:00", "The cohort's venue")
        await expect(page.get_by_text("Session added")).to_be_visible()

        # The same hour elsewhere: the trainer cannot be in two places.
        await add_session(page, day, "10:30", "11:30", "Stockport Early Years Hub")
        await expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        await expect(page.locator("#start")).to_have_accessible_description(re.compile(CLASH))
        await expect(page.locator("#start-error")).to_contain_text(CLASH)

        await page.get_by_role("button", name="Publish cohort").click()
        await expect(page.get_by_text("Cohort published")).to_be_visible()

        await page.get_by_role("link", name="Cancel cohort").click()
        await page.get_by_label("Reason", exact=True).fill("The trainer is unwell.")
        await page.get_by_role("button", name="Yes, cancel cohort").click()
        await expect(page.get_by_text("Cohort cancelled")).to_be_visible()
        await expect(page.get_by_role("button", name="Add session")).to_have_count(0)
    finally:
        await context.close()
