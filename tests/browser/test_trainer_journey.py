"""/trainer in a browser (issue 7): a trainer edits their availability, opens a roster, downloads
it as CSV and records attendance for a session starting in 20 minutes (attendance opens 30
minutes before the start; the served process runs on the real clock)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from tests.browser.conftest import new_context, sign_in
from tests.browser.seed import published_cohort, trainer_free_all_week

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

TRAINER = "trainer.now@demo.example"
LONDON = ZoneInfo("Europe/London")


async def test_a_trainer_edits_availability_downloads_the_roster_and_records_attendance(
    browser, served
):
    trainer_id = trainer_free_all_week(served, TRAINER, "Nia Evans")
    starts = (datetime.now(UTC) + timedelta(minutes=20)).replace(second=0, microsecond=0)
    if (starts + timedelta(minutes=30)).astimezone(LONDON).date() != starts.astimezone(
        LONDON
    ).date():
        pytest.skip("the session would run past midnight, beyond the trainer's 00:00-23:59 days")
    cohort = published_cohort(
        served, capacity=5, starts_at=starts, trainer_id=trainer_id, minutes=30
    )
    title = cohort["course"]["title"]

    teacher = await new_context(browser, served, who="attendee")
    trainer = await new_context(browser, served)
    try:
        booking = await teacher.new_page()
        await booking.goto(f"/cohorts/{cohort['id']}")
        await booking.get_by_role("button", name="Book a place").click()
        await expect(booking.get_by_role("heading", name="Booking confirmed")).to_be_visible()

        page = await trainer.new_page()
        await sign_in(page, served, TRAINER)
        await page.goto("/trainer")
        await expect(page.get_by_role("heading", name="Your training")).to_be_visible()
        await page.get_by_label("Monday start", exact=True).fill("08:00")
        await page.get_by_label("Monday end", exact=True).fill("20:00")
        await page.get_by_role("button", name="Save availability").click()
        await expect(page.get_by_text("Your availability has been saved")).to_be_visible()
        await expect(page.get_by_label("Monday start", exact=True)).to_have_value("08:00")

        await page.get_by_role("link", name=f"Roster and attendance for {title}").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(title)
        await expect(page.get_by_text("attendee@school.example").first).to_be_visible()

        async with page.expect_download() as info:
            await page.get_by_role("link", name="Download roster (CSV)").click()
        download = await info.value
        assert download.suggested_filename.endswith(".csv")
        rows = list(csv.DictReader(io.StringIO((await download.path()).read_text())))
        assert any("attendee@school.example" in row.values() for row in rows), rows

        await page.get_by_role("link", name="Record attendance for").first.click()
        await expect(page.get_by_role("heading", name="Attendance")).to_be_visible()
        await page.get_by_role("radio", name="Attended").first.check()
        await page.get_by_role("button", name="Save attendance").click()
        await expect(page.get_by_text("Attendance saved")).to_be_visible()
        await expect(page.get_by_role("radio", name="Attended").first).to_be_checked()
    finally:
        await teacher.close()
        await trainer.close()
