"""An address nobody serves is a page for people and problem+json for machines."""

from __future__ import annotations

import pytest

from tests.support.html import Page

SUFFIX = " \N{EN DASH} Book SEND training"


@pytest.mark.parametrize("path", ["/no-such-page", "/my/nowhere", "/apis", "/cohorts"])
async def test_an_unknown_page_address_is_the_html_not_found_page(client, path):
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    page = Page(response.text)
    assert page.title == f"Page not found{SUFFIX}"
    assert [h.text for h in page.find_all("h1")] == ["Page not found"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/no-such-thing", "/feeds/nothing", "/health/nothing", "/static/nothing.css"],
)
async def test_an_unknown_machine_address_stays_problem_json(client, path):
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_found"
