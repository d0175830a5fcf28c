"""The teacher journey with the keyboard alone: Tab, Shift+Tab, Enter and Space, never a click."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Served, emailed_code, sign_in_mails

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

COURSE = "Supporting social, emotional and mental health"
MAX_TABS = 80

# What a screen reader would announce for the focused element: its label, else its text.
FOCUSED_NAME = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const label = e.labels && e.labels.length ? e.labels[0].innerText : "";
  return (e.getAttribute("aria-label") || label || e.innerText || e.value || "").trim();
}"""


async def focused(page: Page) -> str | None:
    name = await page.evaluate(FOCUSED_NAME)
    assert name is None or isinstance(name, str)
    return name


async def tab_to(page: Page, name: str) -> list[str]:
    """Press Tab until `name` has focus; the names focused on the way, in order."""
    passed: list[str] = []
    for _ in range(MAX_TABS):
        await page.keyboard.press("Tab")
        now = await focused(page)
        passed.append(now or "")
        if now == name:
            return passed
    raise AssertionError(f"Tab never reached {name!r}; it went {passed}")


async def test_on_sign_in_focus_starts_at_the_skip_link_and_follows_the_page(page: Page):
    await page.goto("/sign-in")
    order = await tab_to(page, "Continue")
    assert order == [
        "Skip to main content",
        "Book SEND training",
        "Find training",
        "Sign in",
        "Email address",
        "Continue",
    ]
    await page.keyboard.press("Shift+Tab")
    assert await focused(page) == "Email address"


async def test_a_teacher_signs_in_and_books_with_the_keyboard_alone(page: Page, served: Served):
    email = "keyboard@school.example"
    seen = len(sign_in_mails(served.mail_dir, email))
    await page.goto("/sign-in")

    await page.keyboard.press("Tab")
    assert await focused(page) == "Skip to main content"
    await page.keyboard.press("Enter")  # the skip link: the next Tab lands in the form
    await page.keyboard.press("Tab")
    assert await focused(page) == "Email address"
    await page.keyboard.type(email)
    await page.keyboard.press("Tab")
    assert await focused(page) == "Continue"
    await page.keyboard.press("Enter")

    await expect(page.get_by_label("Code")).to_be_visible()
    await tab_to(page, "Code")
    await page.keyboard.type(await emailed_code(served.mail_dir, email, seen))
    await page.keyboard.press("Tab")
    assert await focused(page) == "Sign in"
    await page.keyboard.press("Space")
    await expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()

    # A first sign-in asks about you; Enter in the Name field saves and goes on.
    await expect(page.get_by_role("heading", level=1)).to_have_text("Tell us about you")
    await tab_to(page, "Name")
    await page.keyboard.type("Kay Board")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Find training")
    on_the_way = await tab_to(page, COURSE)
    # The filters come before the results they filter.
    assert on_the_way.index("Apply filters") < len(on_the_way) - 1
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text(COURSE)

    await tab_to(page, "Book a place")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Booking confirmed")).to_be_visible()
