"""/my/bookings in a browser (issue 7): an offer of a freed seat accepted and declined, cancelling
with its confirmation step, the calendar feed and its rotation, the calendar invite download.
The offer journey runs with JavaScript and without it."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import Served, new_context
from tests.browser.seed import published_cohort

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

OPEN_COURSE = "Understanding autism in the classroom"
LATE_RULE = "Cancelling less than 48 hours before the first session is a late cancellation"


async def as_teacher(browser: Browser, served: Served, who: str, *, js: bool) -> Page:
    context = await new_context(browser, served, who=who, java_script_enabled=js)
    return await context.new_page()


async def book(page: Page, cohort_id: str, button: str) -> None:
    await page.goto(f"/cohorts/{cohort_id}")
    await page.get_by_role("button", name=button).click()
    await page.wait_for_url("**/bookings/**")


async def cancel_first_booking(page: Page) -> None:
    await page.goto("/my/bookings")
    await page.get_by_role("link", name="Cancel booking").first.click()
    await expect(
        page.get_by_role("heading", name="Are you sure you want to cancel this booking?")
    ).to_be_visible()
    await expect(page.get_by_text(LATE_RULE)).to_be_visible()
    await page.get_by_role("button", name="Yes, cancel booking").click()
    await expect(page.get_by_role("heading", name="Your bookings")).to_be_visible()


@pytest.mark.parametrize("js", [True, False], ids=["with-js", "without-js"])
async def test_a_freed_seat_is_offered_accepted_then_declined(browser, served, js):
    cohort = published_cohort(served, capacity=1, mode="offer")
    tag = "js" if js else "nojs"
    first, second, third = [
        await as_teacher(browser, served, f"offer-{n}-{tag}", js=js) for n in (1, 2, 3)
    ]
    try:
        await book(first, cohort["id"], "Book a place")
        await book(second, cohort["id"], "Join the waitlist")
        await book(third, cohort["id"], "Join the waitlist")

        await cancel_first_booking(first)  # the seat frees: the second teacher is offered it

        await second.goto("/my/bookings")
        await expect(second.get_by_text("Place offered")).to_be_visible()
        await expect(second.get_by_text("A place is held for you until")).to_be_visible()
        await second.get_by_role("button", name="Accept place").click()
        await expect(second.get_by_text("Confirmed", exact=True)).to_be_visible()
        await expect(second.get_by_role("button", name="Accept place")).to_have_count(0)

        await cancel_first_booking(second)  # and the third teacher is offered it

        await third.goto("/my/bookings")
        await expect(third.get_by_text("Place offered")).to_be_visible()
        await third.get_by_role("button", name="Decline place").click()
        await expect(third.get_by_role("heading", name="Cancelled and expired")).to_be_visible()
        await expect(third.get_by_role("button", name="Accept place")).to_have_count(0)
    finally:
        for page in (first, second, third):
            await page.context.close()


async def test_the_feed_links_rotate_and_the_invite_downloads(browser, served):
    page = await as_teacher(browser, served, "feed", js=True)
    try:
        await page.goto("/")
        await page.get_by_role("link", name=OPEN_COURSE).first.click()
        await page.get_by_role("button", name="Book a place").click()
        await page.goto("/my/bookings")

        feed = page.get_by_label("Your calendar link")
        before = await feed.input_value()
        assert before.startswith("http")
        webcal = page.get_by_role("link", name="Subscribe in your calendar app")
        assert (await webcal.get_attribute("href") or "").startswith("webcal://")
        google = page.get_by_role("link", name="Add to Google Calendar (opens in new tab)")
        assert "google.com" in (await google.get_attribute("href") or "")
        outlook = page.get_by_role("link", name="Add to Outlook (opens in new tab)")
        assert "outlook" in (await outlook.get_attribute("href") or "")

        await page.get_by_role("button", name="Rotate link").click()
        after = await page.get_by_label("Your calendar link").input_value()
        assert after.startswith("http")
        assert after != before

        invite = page.get_by_role("link", name=f"Download calendar invite for {OPEN_COURSE}")
        async with page.expect_download() as info:
            await invite.click()
        download = await info.value
        assert download.suggested_filename.endswith(".ics")
        calendar = Calendar.from_ical((await download.path()).read_bytes())
        events = calendar.walk("VEVENT")
        assert events, "the invite has the course's sessions"
        assert OPEN_COURSE in str(events[0]["SUMMARY"])
    finally:
        await page.context.close()
