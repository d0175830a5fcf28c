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

from tests.browser.conftest import DEMO_ACCOUNTS, DESKTOP, ZOOMED, Served, new_context
from tests.browser.seed import api, ok, published_cohort, teacher_api, venue_of_its_own

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
OPEN_COURSE = "Understanding autism in the classroom"
FULL_COURSE = "Speech, language and communication needs"


@dataclass(frozen=True)
class Stop:
    """A page: its address ({cohort}, {full_cohort}, {booking}, {waitlisted}, {booking_id} and
    {waitlisted_id} filled from the demo; {hub_cohort}, {hub_session}, {hub_venue} and
    {hub_course} from `seed_pages`), who is signed in ("teacher", "trainer", "hub_admin", "admin",
    "school_lead", or anyone else by a made-up name, or nobody), a form's button pressed with the
    form left empty (but for `fill`: each field by its label and the text typed into it), whether
    the page shows the GOV.UK error summary, and a text the page shows in the state meant."""

    name: str
    path: str
    who: str | None = None
    send_empty: str | None = None
    error: bool = False
    fill: tuple[tuple[str, str], ...] = ()
    shows: str | None = None


HUB_COHORT = "/hub/cohorts/{hub_cohort}"
HUB_SESSION = "/hub/cohorts/{hub_cohort}/sessions/{hub_session}"
HUB_VENUE = "/hub/venues/{hub_venue}"
HUB_COURSE = "/hub/courses/{hub_course}"
ROSTER = "/trainer/cohorts/{hub_cohort}"
NOT_OPEN = "Attendance can be taken from 30 minutes before the session starts"

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
    Stop(
        "my-bookings-cancel",
        "/my/bookings/{booking_id}/cancel",
        who="teacher",
        shows="Your place will",
    ),
    Stop(
        "my-bookings-cancel-waitlisted",
        "/my/bookings/{waitlisted_id}/cancel",
        who="teacher",
        shows="You will leave the waitlist",
    ),
    Stop("my-timetable", "/my/timetable", who="teacher"),
    Stop("about-you", "/about-you", who="unnamed", shows="Not chosen yet"),
    Stop(
        "about-you-schools",
        "/about-you",
        who="unnamed",
        fill=(("Find your school", "St Mary"),),
        send_empty="Find school",
        shows="Choose your school",
    ),
    Stop(
        "about-you-no-school",
        "/about-you",
        who="unnamed",
        fill=(("Find your school", "No such school anywhere"),),
        send_empty="Find school",
        error=True,
    ),
    Stop("trainer", "/trainer", who="trainer"),
    Stop("trainer-roster", ROSTER, who="trainer", shows="Every page staff one"),
    Stop("trainer-roster-hub-admin", ROSTER, who="hub_admin", shows="Back to the cohort"),
    Stop("trainer-attendance", f"{ROSTER}/sessions/{{hub_session}}", who="trainer", shows=NOT_OPEN),
    Stop("hub", "/hub", who="hub_admin"),
    Stop("hub-choose", "/hub", who="admin", shows="Greater Manchester SEND Hub"),
    Stop("hub-cohort", HUB_COHORT, who="hub_admin", shows="Roster and attendance"),
    Stop("hub-cohort-error", HUB_COHORT, who="hub_admin", send_empty="Add session", error=True),
    Stop("hub-cohort-cancel", f"{HUB_COHORT}/cancel", who="hub_admin"),
    Stop(
        "hub-cohort-cancel-error",
        f"{HUB_COHORT}/cancel",
        who="hub_admin",
        send_empty="Yes, cancel cohort",
        error=True,
    ),
    Stop("hub-session-change", f"{HUB_SESSION}/change", who="hub_admin"),
    Stop(
        "hub-session-change-error",
        f"{HUB_SESSION}/change",
        who="hub_admin",
        fill=(("Start time", ""),),
        send_empty="Save changes",
        error=True,
    ),
    Stop("hub-session-cancel", f"{HUB_SESSION}/cancel", who="hub_admin"),
    Stop("hub-venue", HUB_VENUE, who="hub_admin"),
    Stop(
        "hub-venue-error",
        HUB_VENUE,
        who="hub_admin",
        fill=(("Venue name", ""),),
        send_empty="Save changes",
        error=True,
    ),
    Stop("hub-venue-retire", f"{HUB_VENUE}/retire", who="hub_admin"),
    Stop(
        "hub-venue-retire-refused",
        f"{HUB_VENUE}/retire",
        who="hub_admin",
        send_empty="Yes, retire venue",
        error=True,
        shows="This venue has sessions still to come",
    ),
    Stop("hub-course", HUB_COURSE, who="hub_admin"),
    Stop(
        "hub-course-error",
        HUB_COURSE,
        who="hub_admin",
        fill=(("Summary", ""),),
        send_empty="Save changes",
        error=True,
    ),
    Stop("school", "/school", who="school_lead", shows="Approvals (1)"),
    Stop("school-error", "/school", who="school_lead", send_empty="Add to your staff", error=True),
    Stop(
        "school-book-error",
        "/school",
        who="school_lead",
        send_empty="Book the people chosen",
        error=True,
    ),
    Stop("account", "/account", who="teacher"),
    Stop("account-error", "/account", who="teacher", send_empty="Save your details", error=True),
    Stop("account-delete", "/account/delete", who="teacher"),
    Stop("account-deleted", "/account/deleted"),
    Stop("admin-users", "/admin/users", who="admin"),
    Stop("privacy", "/privacy"),
    Stop("accessibility", "/accessibility"),
    Stop("contact", "/contact"),
]

STAFF = [("Every page staff one", "staff.one"), ("Every page staff two", "staff.two")]


async def seed_pages(served: Served) -> dict[str, str]:
    """The hub's and the trainer's pages are seen on a cohort of their own at a venue of its own
    (their forms are sent with errors, and retiring the venue is refused while the session is to
    come), and /school on the demo school (whose lead approves its staff's bookings): one of its
    staff booked by the lead on that cohort, another waiting for the lead's approval."""
    venue = venue_of_its_own(served, "Every page test venue")
    cohort = published_cohort(served, capacity=5, venue_id=venue["id"])
    with api(served, DEMO_ACCOUNTS["school_lead"]) as lead:
        school_id = ok(lead.get("/me"))["school_id"]
        staff = [
            ok(
                lead.post(
                    f"/schools/{school_id}/staff",
                    json={"email": f"{first}@school.example", "name": name, "job_role": "teacher"},
                )
            )["user"]
            for name, first in STAFF
        ]
        booked = ok(
            lead.post(
                f"/cohorts/{cohort['id']}/bookings/bulk", json={"teacher_ids": [staff[0]["id"]]}
            )
        )
    assert [(r["booking"] or {}).get("status") for r in booked["results"]] == ["confirmed"], booked
    with await teacher_api(served, staff[1]["email"]) as colleague:
        own = ok(colleague.post(f"/cohorts/{cohort['id']}/bookings"))
    assert own["status"] == "pending_approval", own
    return {
        "hub_cohort": cohort["id"],
        "hub_session": cohort["session"]["id"],
        "hub_venue": venue["id"],
        "hub_course": cohort["course"]["id"],
    }


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def demo(browser, served) -> AsyncIterator[dict[str, str]]:
    """The demo's open and full courses, a teacher's booking on each, and `seed_pages`'s ids."""
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
        urls[f"{key}_id"] = urls[key].removeprefix("/bookings/")
    await context.close()
    yield urls | await seed_pages(served)


async def open_stop(page: Page, stop: Stop, demo: dict[str, str]) -> None:
    response = await page.goto(stop.path.format(**demo))
    assert response is not None
    for label, text in stop.fill:
        await page.get_by_label(label, exact=True).fill(text)
    if stop.send_empty:
        await page.get_by_role("button", name=stop.send_empty, exact=True).click()
    if stop.shows:
        await expect(page.get_by_text(stop.shows).first).to_be_visible()
    summary = page.get_by_role("heading", name="There is a problem")
    await expect(summary).to_have_count(1 if stop.error else 0)


def ids(stop: Stop) -> str:
    return stop.name


async def reflow_width(page: Page) -> int:
    """The page's width in CSS px at 320 wide (400% zoom of a 1280 px window): the viewport is
    narrowed on the loaded page, and its media queries and layout follow as on a fresh load."""
    await page.set_viewport_size(ZOOMED)
    return int(await page.evaluate("document.documentElement.scrollWidth"))


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def role_pages() -> AsyncIterator[dict[str | None, Page]]:
    """One open page per role, shared by that role's stops: a new chromium page costs about
    half a second of CPU, and this file's time is the suite's (2/3 of its time went to them).
    Sharing is sound because no stop changes anything: pages are only read, and forms are sent
    empty or with a search, to see their errors. Each stop navigates afresh at desktop width;
    the role's cookies carry over, as in anyone's browser."""
    pages: dict[str | None, Page] = {}
    yield pages
    for page in pages.values():
        await page.context.close()


async def page_as(pages: dict[str | None, Page], browser, served: Served, who: str | None) -> Page:
    page = pages.get(who)
    if page is None or page.is_closed():
        context = await new_context(browser, served, who=who, bypass_csp=True)
        page = pages[who] = await context.new_page()
    await page.set_viewport_size(DESKTOP)  # the last stop left it at 320 px
    return page


@pytest.mark.parametrize("stop", STOPS, ids=ids)
async def test_axe_finds_no_wcag_22_aa_violations_and_it_reflows_at_400_percent_zoom(
    browser, served: Served, demo, stop, artifacts, role_pages
):
    # axe-core is injected by script: the pages' strict CSP would otherwise refuse it (the
    # role's page bypasses it). Both checks and both screenshots share one page load.
    page = await page_as(role_pages, browser, served, stop.who)
    await open_stop(page, stop, demo)
    path = artifacts / f"{stop.name}.png"
    await page.screenshot(path=path, full_page=True)
    print(f"screenshot: {path}")  # noqa: T201 - where to find it
    assert path.stat().st_size > 0
    results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    assert results.violations_count == 0, f"{stop.name} ({page.url}):\n{results.generate_report()}"
    width = await reflow_width(page)
    await page.screenshot(path=artifacts / f"{stop.name}-320px.png", full_page=True)
    assert width <= ZOOMED["width"], f"{stop.name} is {width} CSS px wide at 320"


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


async def test_the_reflow_check_sees_a_page_wider_than_320_px(browser, served):
    """The control: a page loaded at desktop width with a fixed 400 px wide box is found too
    wide once narrowed, and the same page without it is not."""
    context = await new_context(browser, served)
    try:
        page = await context.new_page()
        await page.goto("/sign-in")
        assert await reflow_width(page) <= ZOOMED["width"]
        await page.set_viewport_size(DESKTOP)
        # Set through the CSSOM: the page's CSP refuses inline style attributes.
        await page.evaluate(
            "const box = document.createElement('div'); box.textContent = 'wide';"
            " box.style.width = '400px'; document.querySelector('main').append(box)"
        )
        assert await reflow_width(page) > ZOOMED["width"]
    finally:
        await context.close()
