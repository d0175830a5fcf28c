"""A real `booking serve --demo` process and one headless chromium, shared by the whole session.

Each test opens its own browser context (its own cookies), so tests stay independent while the
server and the browser start once. Teachers are made up per test: signing in creates them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.support.browser import CHROMIUM_ARGS, require_chromium
from tests.support.mail import CODE_LINE, messages, text_part
from tests.support.processes import ROOT, booking_env, free_port, start_booking, stop, wait_ready

ARTIFACTS = ROOT / "test-artifacts" / "browser"  # git-ignored
DESKTOP = {"width": 1280, "height": 800}
# 400% zoom of a 1280 px wide window: 320 CSS px (WCAG 1.4.10 Reflow).
ZOOMED = {"width": 320, "height": 640}
MAIL_WAIT_SECONDS = 10
DEMO_ACCOUNTS = {
    "trainer": "trainer.ada@demo.example",
    "hub_admin": "hubadmin@demo.example",
    "admin": "admin@demo.example",
    "school_lead": "lead@demo.example",
}


@dataclass
class Served:
    base_url: str
    mail_dir: Path
    log: Path
    # Signed-in browser state (cookies) per role, made once on first use.
    states: dict[str, Any] = field(default_factory=dict)
    # Addresses a test can use: filled by the `demo` fixture.
    urls: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="session")
def chromium() -> Path:
    return require_chromium()


@pytest.fixture(scope="session")
def served(chromium, tmp_path_factory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("served")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = booking_env(
        BOOKING_DATABASE_URL=f"sqlite+aiosqlite:///{root / 'booking.db'}",
        BOOKING_MAIL_DIR=str(root / "mail"),
        BOOKING_BASE_URL=base_url,
    )
    log = root / "serve.log"
    process = start_booking("serve", "--demo", "--port", str(port), env=env, log=log)
    try:
        wait_ready(base_url, process, log)
        yield Served(base_url=base_url, mail_dir=root / "mail", log=log)
    finally:
        stop(process)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(chromium) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


async def new_context(
    browser: Browser, served: Served, who: str | None = None, **options: Any
) -> BrowserContext:
    """A fresh context on the served app; `who` signs it in (once per role, then reused)."""
    options.setdefault("viewport", DESKTOP)
    if who is not None:
        options["storage_state"] = await state_of(browser, served, who)
    context = await browser.new_context(base_url=served.base_url, **options)
    context.set_default_timeout(10_000)
    return context


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser, served) -> AsyncIterator[Page]:
    context = await new_context(browser, served)
    yield await context.new_page()
    await context.close()


def sign_in_mails(mail_dir: Path, email: str) -> list[str]:
    return [
        text_part(m)
        for m in messages(mail_dir)
        if m["To"] == email and "sign-in code" in str(m["Subject"])
    ]


async def emailed_code(mail_dir: Path, email: str, seen: int) -> str:
    """The code of the first sign-in mail to `email` after the `seen` already there."""
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while time.monotonic() < deadline:
        sent = sign_in_mails(mail_dir, email)
        if len(sent) > seen:
            match = CODE_LINE.search(sent[seen])
            assert match, "the code stands on a line of its own"
            return match.group(1)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no sign-in mail to {email} within {MAIL_WAIT_SECONDS} s")


async def sign_in(page: Page, served: Served, email: str) -> None:
    """Sign in as a screen-reader user would: by the labels and the buttons' names."""
    seen = len(sign_in_mails(served.mail_dir, email))
    await page.goto("/sign-in")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_label("Code").fill(await emailed_code(served.mail_dir, email, seen))
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_text(f"Signed in as {email}").wait_for()


async def state_of(browser: Browser, served: Served, who: str) -> Any:
    if who not in served.states:
        email = DEMO_ACCOUNTS.get(who, f"{who}@school.example")
        context = await new_context(browser, served)
        await sign_in(await context.new_page(), served, email)
        served.states[who] = await context.storage_state()
        await context.close()
    return served.states[who]
