"""/account and /admin/users in a browser (issue 14): details, sign-ins on two devices, signing
the other one out, downloading your data, deleting your account; an admin deactivating someone.
With JavaScript and without it."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import Served, new_context, sign_in
from tests.browser.seed import published_cohort

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def fresh(browser: Browser, served: Served, *, js: bool = True) -> Page:
    context = await new_context(browser, served, java_script_enabled=js)
    return await context.new_page()


@pytest.mark.parametrize("js", [True, False], ids=["with-js", "without-js"])
async def test_a_teacher_looks_after_their_account(browser, served, js, artifacts):
    email = f"account-{'js' if js else 'nojs'}@school.example"
    cohort = published_cohort(served, capacity=5, mode="auto")
    laptop, phone = await fresh(browser, served, js=js), await fresh(browser, served, js=js)
    try:
        await sign_in(laptop, served, email)
        await sign_in(phone, served, email)
        await laptop.goto(f"/cohorts/{cohort['id']}")
        await laptop.get_by_role("button", name="Book a place").click()
        await laptop.wait_for_url("**/bookings/**")

        await laptop.get_by_role("link", name="Your account").click()
        await expect(laptop.get_by_role("heading", name="Your account", level=1)).to_be_visible()
        await laptop.get_by_label("Name").fill("Grace Hopper")
        await laptop.get_by_label("Job role").select_option(label="SENCo")
        await laptop.get_by_role("button", name="Save your details").click()
        await expect(laptop.get_by_text("Your details are saved")).to_be_visible()
        await expect(laptop.get_by_label("Name")).to_have_value("Grace Hopper")

        # Two sign-ins: this one, and the phone's, which the laptop signs out.
        await expect(laptop.get_by_text("This device", exact=True)).to_be_visible()
        await laptop.get_by_role("button", name="Sign out the sign-in of").click()
        await expect(laptop.get_by_text("That sign-in has been signed out")).to_be_visible()
        await phone.goto("/account")
        await expect(phone.get_by_role("heading", name="Sign in")).to_be_visible()

        async with laptop.expect_download() as download:
            await laptop.get_by_role("link", name="Download your data").click()
        data = json.loads((await (await download.value).path()).read_text())
        assert (data["user"]["email"], data["user"]["name"]) == (email, "Grace Hopper")
        assert [b["status"] for b in data["bookings"]] == ["confirmed"]

        await laptop.get_by_role("link", name="Delete your account").click()
        await expect(
            laptop.get_by_role("heading", name="Are you sure you want to delete your account?")
        ).to_be_visible()
        await expect(laptop.get_by_text("your 1 booking will be cancelled")).to_be_visible()
        await laptop.screenshot(path=artifacts / f"account-delete-journey-{js}.png", full_page=True)
        await laptop.get_by_role("button", name="Yes, delete my account").click()
        await expect(
            laptop.get_by_role("heading", name="Your account has been deleted")
        ).to_be_visible()
        await expect(laptop.get_by_role("link", name="Sign in")).to_be_visible()
    finally:
        await laptop.context.close()
        await phone.context.close()


async def test_an_admin_deactivates_a_teacher_who_is_signed_out_at_once(browser, served):
    teacher = await fresh(browser, served)
    admin = await new_context(browser, served, who="admin")
    admin_page = await admin.new_page()
    try:
        await sign_in(teacher, served, "leaver@school.example")
        await admin_page.goto("/")
        await admin_page.get_by_role("link", name="People").click()
        await admin_page.get_by_label("Name or email address").fill("leaver@")
        await admin_page.get_by_role("button", name="Search").click()
        await admin_page.get_by_role("button", name="Deactivate").click()
        await expect(admin_page.get_by_text("leaver@school.example is deactivated")).to_be_visible()
        await teacher.goto("/my/bookings")
        await expect(teacher.get_by_role("heading", name="Sign in")).to_be_visible()
    finally:
        await teacher.context.close()
        await admin.close()
