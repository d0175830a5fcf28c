"""Every page a person can reach: axe-core finds nothing at WCAG 2.2 AA, it reflows at 400% zoom,
and a screenshot of it is kept. A new page is one line in STOPS."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from tests.browser.conftest import ZOOMED, Served, new_context

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
OPEN_COURSE = "Understanding autism in the classroom"
FULL_COURSE = "Speech, language and communication needs"


@dataclass(frozen=True)
class Stop:
    """A page: its address ({cohort}, {full_cohort}, {booking}, {waitlisted} filled from the demo),
    who is signed in ("teacher", "trainer", "hub_admin", "admin" or nobody), a form's button
    pressed with the form left empty, and whether the page shows the GOV.UK error summary."""

    name: str
    path: str
    who: str | None = None
    send_empty: str | None = None
    error: bool = False


STOPS = [
    Stop("find-training", "/"),
    Stop("find-training-signed-in", "/", who="teacher"),
    Stop("find-training-error", "/?from-day=31&from-month=2&from-year=2027", error=True),
    Stop("cohort", "{cohort}"),
    Stop("cohort-signed-in", "{cohort}", who="teacher"),
    Stop("cohort-full", "{full_cohort}", who="teacher"),
    Stop("booking-confirmed", "{booking}", who="teacher"),
    Stop("booking-waitlisted", "{waitlisted}", who="teacher"),
    Stop("sign-in", "/sign-in"),
    Stop("sign-in-error", "/sign-in", send_empty="Continue", error=True),
    Stop("sign-out", "/sign-out", who="teacher"),
    Stop("not-found", "/no-such-page"),
    Stop("my-bookings", "/my/bookings", who="teacher"),
    Stop("my-timetable", "/my/timetable", who="teacher"),
    Stop("trainer", "/trainer", who="trainer"),
    Stop("hub", "/hub", who="hub_admin"),
    Stop("account", "/account", who="teacher"),
    Stop("account-error", "/account", who="teacher", send_empty="Save your details", error=True),
    Stop("account-delete", "/account/delete", who="teacher"),
    Stop("account-deleted", "/account/deleted"),
    Stop("admin-users", "/admin/users", who="admin"),
    Stop("privacy", "/privacy"),
    Stop("accessibility", "/accessibility"),
    Stop("contact", "/contact"),
]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def demo(browser, served) -> AsyncIterator[dict[str, str]]:
    """The demo's open and full courses, and a teacher's booking on each."""
    context = await new_context(browser, served, who="teacher")
    page = await context.new_page()
    await page.goto("/")
    urls = {
        "cohort": await page.get_by_role("link", name=OPEN_COURSE).get_attribute("href") or "",
        "full_cohort": await page.get_by_role("link", name=FULL_COURSE).get_attribute("href") or "",
    }
    for key, cohort, button in [
        ("booking", "cohort", "Book a place"),
        ("waitlisted", "full_cohort", "Join the waitlist"),
    ]:
        await page.goto(urls[cohort])
        await page.get_by_role("button", name=button).click()
        await page.wait_for_url(re.compile(r"/bookings/"))
        urls[key] = page.url.removeprefix(served.base_url)
    await context.close()
    yield urls


async def open_stop(page: Page, stop: Stop, demo: dict[str, str]) -> None:
    response = await page.goto(stop.path.format(**demo))
    assert response is not None
    if stop.send_empty:
        await page.get_by_role("button", name=stop.send_empty).click()
    summary = page.get_by_role("heading", name="There is a problem")
    await expect(summary).to_have_count(1 if stop.error else 0)


def ids(stop: Stop) -> str:
    return stop.name


@pytest.mark.parametrize("stop", STOPS, ids=ids)
async def test_axe_finds_no_wcag_22_aa_violations(browser, served: Served, demo, stop):
    # axe-core is injected by script: the pages' strict CSP would otherwise refuse it.
    context = await new_context(browser, served, who=stop.who, bypass_csp=True)
    try:
        page = await context.new_page()
        await open_stop(page, stop, demo)
        results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
        assert results.violations_count == 0, (
            f"{stop.name} ({page.url}):\n{results.generate_report()}"
        )
    finally:
        await context.close()


async def test_axe_sees_a_violation_when_there_is_one(browser, served):
    """The control: the same run over a page with an unlabelled field reports it."""
    context = await new_context(browser, served, bypass_csp=True)
    try:
        page = await context.new_page()
        await page.goto("/sign-in")
        await page.evaluate("document.querySelector('label[for=email]').remove()")
        results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
        assert "label" in results.generate_report()
    finally:
        await context.close()


@pytest.mark.parametrize("stop", STOPS, ids=ids)
async def test_at_400_percent_zoom_nothing_scrolls_sideways(browser, served, demo, stop, artifacts):
    context = await new_context(browser, served, who=stop.who, viewport=ZOOMED)
    try:
        page = await context.new_page()
        await open_stop(page, stop, demo)
        width = await page.evaluate("document.documentElement.scrollWidth")
        await page.screenshot(path=artifacts / f"{stop.name}-320px.png", full_page=True)
        assert width <= ZOOMED["width"], f"{stop.name} is {width} CSS px wide at 320"
    finally:
        await context.close()


@pytest.mark.parametrize("stop", STOPS, ids=ids)
async def test_a_screenshot_of_each_page_is_kept(browser, served, demo, stop, artifacts):
    context = await new_context(browser, served, who=stop.who)
    try:
        page = await context.new_page()
        await open_stop(page, stop, demo)
        path = artifacts / f"{stop.name}.png"
        await page.screenshot(path=path, full_page=True)
        print(f"screenshot: {path}")  # noqa: T201 - where to find it
        assert path.stat().st_size > 0
    finally:
        await context.close()
