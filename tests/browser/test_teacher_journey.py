"""A teacher signs in with the emailed code, finds a course and books it, by mouse."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import new_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

OPEN_COURSE = "Understanding autism in the classroom"
FULL_COURSE = "Speech, language and communication needs"


async def test_a_teacher_signs_in_finds_a_course_and_books_a_place(page, served):
    await sign_in(page, served, "journey@school.example")
    await page.goto("/")
    await page.get_by_role("link", name=OPEN_COURSE).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(OPEN_COURSE)
    await page.get_by_role("button", name="Book a place").click()
    await expect(page.get_by_role("heading", name="Booking confirmed")).to_be_visible()
    await expect(page).to_have_title("Booking confirmed \N{EN DASH} Book SEND training")


async def test_a_full_course_offers_the_waitlist_instead(page, served):
    await sign_in(page, served, "waitlist@school.example")
    await page.goto("/")
    await page.get_by_role("link", name=FULL_COURSE).click()
    await expect(page.get_by_role("button", name="Book a place")).to_have_count(0)
    await page.get_by_role("button", name="Join the waitlist").click()
    await expect(page.get_by_role("heading", name="You are on the waitlist")).to_be_visible()


async def test_without_javascript_the_booking_journey_still_works(browser, served):
    context = await new_context(browser, served, java_script_enabled=False)
    try:
        page = await context.new_page()
        await sign_in(page, served, "nojs@school.example")
        await page.goto("/")
        # GOV.UK Frontend's switch never ran: the page is as a browser without scripts sees it.
        await expect(page.locator("body")).not_to_have_class("js-enabled")
        await page.get_by_role("link", name=OPEN_COURSE).click()
        await page.get_by_role("button", name="Book a place").click()
        await expect(page.get_by_role("heading", name="Booking confirmed")).to_be_visible()
    finally:
        await context.close()


async def test_a_first_sign_in_asks_about_you_and_saving_goes_on(page, served):
    await sign_in(page, served, "newcomer@school.example")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Tell us about you")
    await page.get_by_label("Name").fill("Ada Lovelace")
    await page.get_by_label("Job role").select_option(label="Teacher")
    await page.get_by_role("button", name="Save and continue").click()
    await expect(page.get_by_role("link", name=OPEN_COURSE)).to_be_visible()
    await page.goto("/account")
    await expect(page.get_by_label("Name")).to_have_value("Ada Lovelace")
