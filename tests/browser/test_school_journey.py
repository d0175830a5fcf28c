"""/school in a browser (issue 16): a school lead signs in, adds three staff, books them on a
cohort with one place left (one booked, two on the waitlist, each result shown), approves a
colleague's own booking (the school asks for approval) and sees the progress change once
attendance is marked. axe-core finds nothing at WCAG 2.2 AA at each step. With JavaScript and
without it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from tests.browser.conftest import Served, emailed_code, new_context, sign_in, sign_in_mails
from tests.browser.seed import api, ok, published_cohort, token, trainer_free_all_week
from tests.support.factories import bearer
from tests.support.schools import create_lead, create_school

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

LONDON = ZoneInfo("Europe/London")
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ADMIN, HUB_ADMIN = "admin@demo.example", "hubadmin@demo.example"
# By name, as the page lists them: the first one chosen gets the one place left.
STAFF = [("Ava Patel", "ava"), ("Ben Okoro", "ben"), ("Cleo Shah", "cleo")]
COLLEAGUE = "Dara Wells"


async def axe_clean(page: Page, step: str, checker: Page | None) -> None:
    """axe-core runs as script, which a page without JavaScript cannot run (it hangs there): such
    a page's HTML is checked in `checker`, a page that runs script, on the same origin so that
    the stylesheets load as they did."""
    checked = page
    if checker is not None:
        await checker.set_content(await page.content())
        checked = checker
    results = await Axe().run(checked, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    assert results.violations_count == 0, f"{step} ({page.url}):\n{results.generate_report()}"


async def expect_progress(page: Page, **counts: int) -> None:
    for label, n in counts.items():
        key = label.replace("_", " ").capitalize()
        row = page.locator(".govuk-summary-list__row").filter(
            has=page.locator("dt", has_text=re.compile(f"^\\s*{key}\\s*$"))
        )
        await expect(row.locator("dd")).to_have_text(str(n))


async def api_token_of(served: Served, client: httpx.AsyncClient, email: str) -> str:
    """A teacher's API token by the emailed code's round trip, as a teacher's own app would."""
    seen = len(sign_in_mails(served.mail_dir, email))
    sent = await client.post("/api/v1/auth/email-code", json={"email": email})
    assert sent.status_code == 202, sent.text
    code = await emailed_code(served.mail_dir, email, seen)
    issued = await client.post("/api/v1/auth/token", json={"email": email, "code": code})
    assert issued.status_code == 200, issued.text
    return str(issued.json()["api_token"])


def cohort_starting_soon(served: Served, tag: str, trainer_id: str) -> dict[str, Any]:
    """One place, one 30-minute session starting in 20 minutes (attendance opens 30 minutes
    before the start; the served process runs on the real clock), at a venue of its own so that
    no other journey's session starting soon clashes with it."""
    starts = (datetime.now(UTC) + timedelta(minutes=20)).replace(second=0, microsecond=0)
    if (starts + timedelta(minutes=30)).astimezone(LONDON).date() != starts.astimezone(
        LONDON
    ).date():
        pytest.skip("the session would run past midnight, beyond the trainer's 00:00-23:59 days")
    with api(served, HUB_ADMIN) as hub:
        hub_id = ok(hub.get("/me"))["hub_id"]
        venue = ok(
            hub.post(
                f"/hubs/{hub_id}/venues",
                json={
                    "name": f"Oakfield staff room ({tag})",
                    "address": "1 School Lane\nManchester",
                    "postcode": "M1 1AA",
                    "capacity": 30,
                },
            )
        )
        course = ok(
            hub.post(
                "/courses",
                json={
                    "title": f"Supporting pupils with ADHD ({tag})",
                    "summary": "Made by the browser tests.",
                    "need_areas": ["social_emotional_mental_health"],
                    "audience": ["teacher"],
                },
            )
        )
        cohort = ok(
            hub.post(
                "/cohorts",
                json={
                    "hub_id": hub_id,
                    "course_id": course["id"],
                    "trainer_id": trainer_id,
                    "venue_id": venue["id"],
                    "capacity": 1,
                    "waitlist_mode": "auto",
                },
            )
        )
        session = ok(
            hub.post(
                f"/cohorts/{cohort['id']}/sessions",
                json={
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(minutes=30)).isoformat(),
                },
            )
        )
        ok(hub.post(f"/cohorts/{cohort['id']}/publish"))
    return {**cohort, "course": course, "session": session}


async def a_school_asking_for_approval(served: Served, tag: str) -> tuple[dict[str, Any], str]:
    """The school, whose lead and one colleague (with an API token of their own) exist."""
    admin = token(served, ADMIN)
    async with httpx.AsyncClient(base_url=served.base_url, timeout=10) as client:
        school = await create_school(client, admin, name=f"Oakfield Primary School ({tag})")
        patched = await client.patch(
            f"/api/v1/schools/{school['id']}",
            json={"approval_required": True},
            headers=bearer(admin),
        )
        assert patched.status_code == 200, patched.text
        lead = await create_lead(client, admin, school["id"], f"lead.{tag}@school.example")
        colleague = f"dara.{tag}@school.example"
        added = await client.post(
            f"/api/v1/schools/{school['id']}/staff",
            json={"email": colleague, "name": COLLEAGUE, "job_role": "teacher"},
            headers=bearer(lead["api_token"]),
        )
        assert added.status_code == 201, added.text
        return school, await api_token_of(served, client, colleague)


async def add_three_staff(page: Page, tag: str) -> None:
    for name, first in STAFF:
        await page.get_by_label("Name", exact=True).fill(name)
        await page.get_by_label("Email address", exact=True).fill(f"{first}.{tag}@school.example")
        await page.get_by_label("Job role", exact=True).select_option(label="Teacher")
        await page.get_by_role("button", name="Add to your staff").click()
        await expect(page.get_by_text("The person has been added to your staff")).to_be_visible()
        await expect(page.get_by_label(re.compile(f"^{name},"))).to_be_visible()


async def book_three_on(page: Page, cohort: dict[str, Any]) -> None:
    course = page.get_by_label("Course", exact=True)
    await expect(course.locator(f"option[value='{cohort['id']}']")).to_contain_text(
        "(1 place left)"
    )
    for name, _ in STAFF:
        await page.get_by_label(re.compile(f"^{name},")).check()
    await course.select_option(value=cohort["id"])
    await page.get_by_role("button", name="Book the people chosen").click()


async def books_for_themselves(served: Served, colleague: str, cohort_id: str) -> str:
    async with httpx.AsyncClient(base_url=served.base_url, timeout=10) as client:
        own = await client.post(f"/api/v1/cohorts/{cohort_id}/bookings", headers=bearer(colleague))
    assert own.status_code == 201, own.text
    assert own.json()["status"] == "pending_approval"
    return str(own.json()["id"])


async def status_of(served: Served, colleague: str, booking_id: str) -> str:
    async with httpx.AsyncClient(base_url=served.base_url, timeout=10) as client:
        read = await client.get(f"/api/v1/bookings/{booking_id}", headers=bearer(colleague))
    assert read.status_code == 200, read.text
    return str(read.json()["status"])


def mark_the_one_confirmed_attended(served: Served, cohort: dict[str, Any]) -> None:
    """As the hub's staff do (the trainer, a hub admin or an admin may)."""
    with api(served, HUB_ADMIN) as hub:
        roster = ok(hub.get(f"/cohorts/{cohort['id']}/roster"))
        assert [e["name"] for e in roster["confirmed"]] == [STAFF[0][0]]
        booking_id = roster["confirmed"][0]["booking_id"]
        ok(
            hub.put(
                f"/sessions/{cohort['session']['id']}/attendance",
                json={"records": [{"booking_id": booking_id, "status": "attended"}]},
            )
        )


@pytest.mark.parametrize("js", [True, False], ids=["with-js", "without-js"])
async def test_a_school_lead_books_staff_approves_and_follows_progress(browser, served, js):
    tag = "js" if js else "nojs"
    school, colleague = await a_school_asking_for_approval(served, tag)
    trainer_id = trainer_free_all_week(served, f"trainer.school.{tag}@demo.example", "Kit Moss")
    soon = cohort_starting_soon(served, tag, trainer_id)
    later = published_cohort(served, capacity=5)

    # axe-core is injected by script: the pages' strict CSP would otherwise refuse it.
    context = await new_context(browser, served, java_script_enabled=js, bypass_csp=True)
    scripted = await new_context(browser, served, bypass_csp=True)
    try:
        page = await context.new_page()
        checker = None
        if not js:
            checker = await scripted.new_page()
            await checker.goto("/privacy")  # the served origin, for the stylesheets' addresses
        await sign_in(page, served, f"lead.{tag}@school.example")
        await page.wait_for_url("**/school")
        await expect(page.get_by_role("heading", level=1)).to_have_text(school["name"])
        await expect_progress(page, staff=2, trained=0, booked=0, waiting=0, not_started=2)
        await axe_clean(page, "school, signed in", checker)

        await add_three_staff(page, tag)
        await expect_progress(page, staff=5, trained=0, booked=0, waiting=0, not_started=5)
        await axe_clean(page, "school, three staff added", checker)

        await book_three_on(page, soon)
        await expect(
            page.get_by_role("heading", name="What happened to each booking")
        ).to_be_visible()
        await expect(page.get_by_role("table").get_by_role("row")).to_have_text(
            [
                "Name Result",
                "Ava Patel Booked",
                "Ben Okoro On the waitlist",
                "Cleo Shah On the waitlist",
            ]
        )
        await expect_progress(page, staff=5, trained=0, booked=1, waiting=2, not_started=2)
        await axe_clean(page, "school, each booking's result", checker)

        # The colleague books for themselves: the school asks for approval, so it waits.
        own = await books_for_themselves(served, colleague, later["id"])
        await page.goto("/school")
        await expect(page.get_by_role("heading", name="Approvals (1)")).to_be_visible()
        card = page.locator(".govuk-summary-card").filter(
            has=page.get_by_role("heading", name=f"{COLLEAGUE}: {later['course']['title']}")
        )
        await expect(card.get_by_text("During the school day: cover needed")).to_be_visible()
        await expect_progress(page, staff=5, trained=0, booked=1, waiting=3, not_started=1)
        await axe_clean(page, "school, an approval waiting", checker)

        await card.get_by_role("button", name="Approve", exact=True).click()
        await expect(page.get_by_text("The booking is approved")).to_be_visible()
        await expect(page.get_by_role("heading", name="Approvals (0)")).to_be_visible()
        await expect(page.get_by_text("Nothing waits for your approval.")).to_be_visible()
        await expect_progress(page, staff=5, trained=0, booked=2, waiting=2, not_started=1)
        await axe_clean(page, "school, approved", checker)
        assert await status_of(served, colleague, own) == "confirmed"

        mark_the_one_confirmed_attended(served, soon)
        await page.goto("/school")
        await expect_progress(page, staff=5, trained=1, booked=2, waiting=2, not_started=1)
        await expect(page.get_by_label(re.compile("^Ava Patel,"))).to_have_accessible_name(
            re.compile(": trained$")
        )
        await axe_clean(page, "school, after attendance", checker)
    finally:
        await context.close()
        await scripted.close()
