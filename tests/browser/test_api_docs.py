"""/schema works with no internet access and under the pages' Content-Security-Policy: every
operation is shown, nothing is fetched from another origin, and no script is refused."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.async_api import Request, Route, expect

from tests.browser.conftest import new_context

RENDER_TIMEOUT_MS = 30_000

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def test_the_api_docs_render_from_our_own_assets_only(browser, served):
    context = await new_context(browser, served)
    elsewhere: list[str] = []
    refused: list[str] = []

    async def only_here(route: Route, request: Request) -> None:
        if urlsplit(request.url).netloc != urlsplit(served.base_url).netloc:
            elsewhere.append(request.url)
            await route.abort()  # as if offline: nothing may depend on another origin
        else:
            await route.continue_()

    await context.route("**/*", only_here)
    try:
        page = await context.new_page()
        page.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        await page.goto("/schema")
        # Swagger UI builds every operation of the whole document in the page, seconds of work
        # on two busy cores: once in CI it took longer than expect's default 5 s (the failure's
        # snapshot showed the operations rendered).
        await expect(page.locator(".opblock").first).to_be_visible(timeout=RENDER_TIMEOUT_MS)
        assert await page.locator(".opblock").count() > 30
        await expect(page.get_by_text("/api/v1/cohorts/{cohort_id}/bookings").first).to_be_visible()
    finally:
        await context.close()
    assert elsewhere == []
    assert refused == []
