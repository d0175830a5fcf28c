"""/my/timetable in a browser (issue 7): a teacher uploads a small .ics, then enters weekly teaching
times with term dates; each time the "next 2 weeks" busy list shows the lessons."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from tests.browser.conftest import new_context

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

LONDON = ZoneInfo("Europe/London")


def lesson_ics(day: datetime) -> bytes:
    stamp = day.strftime("%Y%m%d")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//browser test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:lesson-1@browser.test\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=Europe/London:{stamp}T100000\r\n"
        f"DTEND;TZID=Europe/London:{stamp}T110000\r\n"
        "SUMMARY:Year 9 science\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


async def test_a_teacher_uploads_a_calendar_then_enters_teaching_times(browser, served):
    today = datetime.now(LONDON)
    context = await new_context(browser, served, who="timetable")
    try:
        page = await context.new_page()
        await page.goto("/my/timetable")
        await page.get_by_label("Calendar file (.ics)").set_input_files(
            files=[
                {
                    "name": "lessons.ics",
                    "mimeType": "text/calendar",
                    "buffer": lesson_ics(today + timedelta(days=2)),
                }
            ]
        )
        await page.get_by_role("button", name="Upload timetable").click()
        busy = page.locator("#busy-times")
        await expect(busy).to_contain_text("Year 9 science")

        teaching = page.get_by_role("group", name="Teaching time 1")
        await teaching.get_by_label("Day", exact=True).select_option(label="Wednesday")
        await teaching.get_by_label("Start time", exact=True).fill("08:45")
        await teaching.get_by_label("End time", exact=True).fill("15:30")
        await teaching.get_by_label("Label (optional)", exact=True).fill("Year 7 maths")
        term = page.get_by_role("group", name="Term 1")
        for name, day in [("Start date", today), ("End date", today + timedelta(days=60))]:
            dates = term.get_by_role("group", name=name)
            await dates.get_by_label("Day", exact=True).fill(str(day.day))
            await dates.get_by_label("Month", exact=True).fill(str(day.month))
            await dates.get_by_label("Year", exact=True).fill(str(day.year))
        await page.get_by_role("button", name="Save teaching times").click()
        await expect(page.get_by_role("heading", name="There is a problem")).to_have_count(0)
        await expect(busy).to_contain_text("Year 7 maths")
        assert await busy.get_by_role("listitem").filter(has_text="Year 7 maths").count() >= 2
    finally:
        await context.close()
