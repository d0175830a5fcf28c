"""/account and /admin/users: details, sign-ins, the data download, deleting an account, and
admins deactivating people."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.pages.conftest import SESSION_COOKIE, open_page, sign_in, submit
from tests.pages.test_page_structure import check_structure
from tests.support.engine import published_cohort
from tests.support.factories import bearer
from tests.support.html import Page
from tests.support.sign_in import signed_in

ADA = "ada@example.org"


async def test_the_account_page_shows_details_and_sign_ins(client, mail_dir):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/account")
    check_structure(page, "/account")
    assert page.h1 == "Your account"
    assert ADA in page.text
    assert "This device" in page.text
    assert {"Save your details", "Sign out of this device"} <= set(page.buttons())
    assert "Download your data" in page.text
    assert "Delete your account" in page.text


async def test_details_are_saved(client, mail_dir):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/account")
    response = await submit(
        client, page, "Save your details", name="Ada Lovelace", job_role="senco"
    )
    assert (response.status_code, response.headers["location"]) == (303, "/account?done=saved")
    page = await open_page(client, "/account?done=saved")
    assert "Your details are saved" in page.text
    [name] = page.find_all("input", id="name")
    assert name.attrs["value"] == "Ada Lovelace"
    token = client.cookies.get(SESSION_COOKIE)
    me = (await client.get("/api/v1/me", headers=bearer(token))).json()
    assert (me["name"], me["job_role"]) == ("Ada Lovelace", "senco")


async def test_a_bad_name_is_explained_by_the_field(client, mail_dir):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/account")
    response = await submit(client, page, "Save your details", name="", job_role="senco")
    assert response.status_code == 400
    errors = Page(response.text).error_summary()
    assert errors == [("#name", "Enter your name")]
    response = await submit(client, page, "Save your details", name="A\x07B", job_role="")
    assert Page(response.text).error_summary()[0][0] == "#name"
    response = await submit(client, page, "Save your details", name="Ada", job_role="pilot")
    assert Page(response.text).error_summary() == [("#job_role", "Select your job role")]


async def test_another_sign_in_is_signed_out_from_here(client, mail_dir):
    [laptop] = await signed_in(client, [ADA])
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/account")
    assert "Sign out everywhere else" in page.buttons()
    [other] = [b for b in page.buttons() if b.startswith("Sign out the sign-in of")]
    response = await submit(client, page, other)
    assert response.headers["location"] == "/account?done=signed-out"
    assert (await client.get("/api/v1/me", headers=bearer(laptop))).status_code == 401
    page = await open_page(client, "/account")
    assert "Sign out everywhere else" not in page.buttons()


async def test_sign_out_everywhere_else_keeps_this_device(client, mail_dir):
    others = await signed_in(client, [ADA, ADA])
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/account")
    await submit(client, page, "Sign out everywhere else")
    for token in others:
        assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401
    assert (await client.get("/account")).status_code == 200


async def test_sign_out_of_this_device(client, mail_dir):
    await sign_in(client, mail_dir, ADA)
    token = client.cookies.get(SESSION_COOKIE)
    page = await open_page(client, "/account")
    response = await submit(client, page, "Sign out of this device")
    assert response.status_code == 303
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401


async def test_download_your_data(client, mail_dir):
    await sign_in(client, mail_dir, ADA)
    response = await client.get("/account/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    assert json.loads(response.text)["user"]["email"] == ADA


async def test_deleting_says_what_happens_then_deletes(client, mail_dir, world, clock):
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=10))
    await sign_in(client, mail_dir, ADA)
    token = client.cookies.get(SESSION_COOKIE)
    booked = await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(token))
    assert booked.status_code == 201
    page = await open_page(client, "/account/delete")
    check_structure(page, "/account/delete")
    assert page.h1 == "Are you sure you want to delete your account?"
    assert "your 1 booking will be cancelled and the place offered to the next person" in page.text
    assert "we will not email you again" in page.text
    response = await submit(client, page, "Yes, delete my account")
    assert (response.status_code, response.headers["location"]) == (303, "/account/deleted")
    page = await open_page(client, "/account/deleted")
    assert page.h1 == "Your account has been deleted"
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401
    assert (await client.get("/account", follow_redirects=False)).status_code in {302, 303}


async def test_the_last_admin_is_told_why_they_cannot_delete(client, mail_dir, world):
    client.cookies.set(SESSION_COOKIE, world.admin)
    page = await open_page(client, "/account/delete")
    response = await submit(client, page, "Yes, delete my account")
    assert response.status_code == 409
    assert "last active admin" in Page(response.text).text


async def test_the_account_page_needs_signing_in(client):
    response = await client.get("/account", follow_redirects=False)
    assert response.status_code in {302, 303}
    assert response.headers["location"].startswith("/sign-in")


# ---- /admin/users ------------------------------------------------------------------------------


async def test_admins_find_and_deactivate_people(client, world, mail_dir):
    [teacher] = await signed_in(client, ["teacher@example.org"])
    client.cookies.set(SESSION_COOKIE, world.admin)
    page = await open_page(client, "/admin/users?q=teacher")
    check_structure(page, "/admin/users")
    assert page.h1 == "People"
    assert "teacher@example.org" in page.text
    assert "hubadmin@example.org" not in page.text
    [button] = [b for b in page.buttons() if b.startswith("Deactivate")]
    response = await submit(client, page, button)
    assert response.status_code == 303
    page = await open_page(client, response.headers["location"])
    assert "teacher@example.org is deactivated" in page.text
    assert (await client.get("/api/v1/me", headers=bearer(teacher))).status_code == 401
    # A page's write is audited like the API's: the caller comes from the cookie.
    audit = await client.get(
        "/api/v1/admin/audit", params={"entity": "user_account"}, headers=bearer(world.admin)
    )
    latest = audit.json()["items"][0]
    assert (latest["action"], latest["actor_role"]) == ("deactivate", "admin")
    page = await open_page(client, "/admin/users?q=teacher")
    assert "Deactivated" in page.text
    [button] = [b for b in page.buttons() if b.startswith("Reactivate")]
    await submit(client, page, button)
    page = await open_page(client, "/admin/users?role=teacher")
    assert "Active" in page.text


async def test_only_admins_see_the_people_page(client, world, mail_dir):
    client.cookies.set(SESSION_COOKIE, world.hub_admin)
    await open_page(client, "/admin/users", status=403)
    await sign_in(client, mail_dir, ADA)
    await open_page(client, "/admin/users", status=403)
