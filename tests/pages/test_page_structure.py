"""Every page: one h1, a title ending in an en dash and "Book SEND training", a label for
every field, the GOV.UK landmarks and a CSRF token in every form that posts."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import START
from tests.pages.conftest import open_page, sign_in, submit
from tests.support.engine import published_cohort
from tests.support.html import Page

SUFFIX = " \N{EN DASH} Book SEND training"


def check_structure(page: Page, path: str) -> None:
    assert len(page.find_all("h1")) == 1, path
    assert page.title.endswith(SUFFIX), (path, page.title)
    assert page.title.removesuffix(SUFFIX).strip(), path
    assert page.unlabelled_fields() == [], path
    ids = [
        e.attrs["id"]
        for e in page.root.find_all("input") + page.find_all("select")
        if "id" in e.attrs
    ]
    assert len(ids) == len(set(ids)), path
    assert len(page.find_all("main", id="main-content")) == 1, path
    skip = [a for a in page.find_all("a") if a.has_class("govuk-skip-link")]
    assert [a.attrs["href"] for a in skip] == ["#main-content"], path
    assert page.find_all("html")[0].attrs["lang"] == "en-GB"
    for form in page.find_all("form"):
        if form.attrs.get("method") == "post":
            assert form.find_all("input", name="_csrf_token"), (path, form.attrs)


async def test_every_page_so_far_has_one_h1_a_title_and_labelled_fields(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14))
    pages = {}
    for path in ("/", "/sign-in", f"/cohorts/{cohort['id']}", "/sign-out", "/cohorts/nope"):
        response = await client.get(path)
        pages[path] = Page(response.text)
    response = await submit(client, pages["/sign-in"], "Continue", email="ada@example.org")
    pages["sign-in code"] = Page(response.text)
    response = await submit(client, pages["/sign-in"], "Continue", email="")
    pages["sign-in error"] = Page(response.text)
    await sign_in(client, mail_dir, "ada@example.org")
    for path in ("/", f"/cohorts/{cohort['id']}", "/sign-out", "/?to-day=1"):
        response = await client.get(path)
        pages[f"signed in {path}"] = Page(response.text)
    booked = await submit(client, pages[f"signed in /cohorts/{cohort['id']}"], "Book a place")
    pages["booking"] = await open_page(client, booked.headers["location"])

    for path, page in pages.items():
        check_structure(page, path)


async def test_an_unknown_cohort_is_a_404_page(client):
    page = await open_page(client, "/cohorts/nope", status=404)

    assert page.h1 == "Page not found"


async def test_pages_are_left_out_of_the_openapi_document(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    assert not [p for p in paths if not p.startswith(("/api/", "/feeds/", "/health", "/ready"))]


async def test_the_vendored_govuk_frontend_is_served(client):
    css = await client.get("/static/govuk/govuk-frontend.min.css")
    js = await client.get("/static/govuk/govuk-frontend.min.js")

    assert css.status_code == js.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "@font-face" not in css.text  # no GDS Transport off GOV.UK
    assert "initAll" in js.text


async def test_pages_refuse_framing_and_inline_script(client):
    response = await client.get("/")

    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    page = Page(response.text)
    assert all(s.attrs.get("src") for s in page.find_all("script"))
