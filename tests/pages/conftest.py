"""The pages over real HTTP: a browser-like client that keeps cookies and sends form tokens."""

from __future__ import annotations

from typing import Any

import pytest

from booking.pages.cookies import CookiePolicy
from booking.pages.profile_prompt import ASKED_COOKIE
from tests.support.engine import build_world
from tests.support.html import Page
from tests.support.mail import last_code
from tests.support.sign_in import signed_in

SESSION_COOKIE = CookiePolicy(secure=False).session_name


async def open_page(client, path: str, status: int = 200) -> Page:
    response = await client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


async def submit(client, page: Page, button: str, **fields: str) -> Any:
    """Press `button` on `page`: its form's hidden fields (the CSRF token among them) and ours."""
    action, hidden = page.form_with_button(button)
    return await client.post(action, data=hidden | fields, follow_redirects=False)


async def sign_in(client, mail_dir, email: str, *, asked_about_you: bool = True) -> None:
    """Signed in to the pages as `email`: the session cookie holds a token as if they had
    entered their emailed code (that journey: sign_in_with_code, tests/pages/test_sign_in.py).
    By default "Tell us about you" was already shown in this browser session (skipped), so a
    first booking goes straight through (tests/pages/test_about_you.py covers the asking)."""
    [token] = await signed_in(client, [email])
    client.cookies.set(SESSION_COOKIE, token)
    if asked_about_you:
        client.cookies.set(ASKED_COOKIE, "1")


async def sign_in_with_code(client, mail_dir, email: str) -> Any:
    page = await open_page(client, "/sign-in")
    response = await submit(client, page, "Continue", email=email)
    assert response.status_code == 200, response.text
    code_page = Page(response.text)
    return await submit(client, code_page, "Sign in", code=last_code(mail_dir, email))


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)
