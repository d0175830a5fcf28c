"""/sign-in and /sign-out: the emailed code, the cookie it sets, and forms that need their token."""

from __future__ import annotations

import msgspec
from litestar.testing import AsyncTestClient

from booking.app import create_app
from booking.settings import ServerSettings
from tests.pages.conftest import open_page, submit
from tests.pages.conftest import sign_in_with_code as sign_in
from tests.support.html import Page
from tests.support.mail import last_code


async def test_an_emailed_code_signs_a_teacher_in(client, mail_dir):
    response = await sign_in(client, mail_dir, "ada@example.org")

    assert response.status_code == 303
    # A first sign-in asks "Tell us about you" on the way (tests/pages/test_about_you.py).
    assert response.headers["location"] == "/about-you?next=%2F"
    page = await open_page(client, "/")
    assert "Signed in as ada@example.org" in page.text


async def test_the_session_cookie_is_httponly_and_samesite_lax_without_secure_over_http(
    client, mail_dir
):
    response = await sign_in(client, mail_dir, "ada@example.org")

    cookie = response.headers["set-cookie"]
    assert cookie.startswith("booking_session=")
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags


async def test_under_https_both_cookies_are_secure_and_host_only(settings, clock, engine, mail_dir):
    https = msgspec.structs.replace(
        settings,
        server=msgspec.structs.replace(settings.server, base_url="https://book.example.org"),
    )
    assert isinstance(https.server, ServerSettings)
    app = create_app(https, clock=clock)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        response = await client.get("/sign-in")
        csrf_cookie = response.headers["set-cookie"]
        page = Page(response.text)
        action, hidden = page.form_with_button("Continue")
        # The test client would not send a Secure cookie over http: send it by hand.
        anchor = csrf_cookie.split(";", 1)[0]
        headers = {"cookie": anchor}
        response = await client.post(
            action, data=hidden | {"email": "ada@example.org"}, headers=headers
        )
        assert response.status_code == 200, response.text
        code_page = Page(response.text)
        action, hidden = code_page.form_with_button("Sign in")
        response = await client.post(
            action,
            data=hidden | {"code": last_code(mail_dir, "ada@example.org")},
            headers=headers,
            follow_redirects=False,
        )

    assert response.status_code == 303, response.text
    for cookie in (csrf_cookie, response.headers["set-cookie"]):
        flags = {part.strip().lower() for part in cookie.split(";")}
        assert cookie.startswith("__Host-")
        assert {"secure", "httponly", "samesite=lax", "path=/"} <= flags
        assert not any(f.startswith("domain=") for f in flags)


async def test_a_malformed_address_is_explained_in_an_error_summary_and_by_the_field(client):
    page = await open_page(client, "/sign-in")

    response = await submit(client, page, "Continue", email="not-an-address")

    assert response.status_code == 400
    page = Page(response.text)
    assert page.title == "Error: Sign in \N{EN DASH} Book SEND training"
    message = "Enter an email address in the correct format, like name@example.com"
    assert page.error_summary() == [("#email", message)]
    (field_error,) = page.find_all("p", id="email-error")
    assert field_error.text == f"Error: {message}"
    (field,) = page.find_all("input", id="email")
    assert "email-error" in field.attrs["aria-describedby"]
    assert field.attrs["value"] == "not-an-address"


async def test_a_wrong_code_is_explained_by_the_code_field(client, mail_dir):
    page = await open_page(client, "/sign-in")
    response = await submit(client, page, "Continue", email="ada@example.org")
    code = last_code(mail_dir, "ada@example.org")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    response = await submit(client, Page(response.text), "Sign in", code=wrong)

    assert response.status_code == 400
    page = Page(response.text)
    assert [target for target, _ in page.error_summary()] == ["#code"]
    assert "booking_session" not in response.headers.get("set-cookie", "")


async def test_a_form_without_its_token_is_refused_with_a_403_page(client):
    await open_page(client, "/sign-in")  # the browser has its CSRF cookie

    response = await client.post("/sign-in", data={"email": "ada@example.org"})

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    page = Page(response.text)
    assert page.h1 == "Sorry, your form could not be sent"


async def test_a_token_from_another_browser_is_refused(client, app):
    stolen = (await open_page(client, "/sign-in")).form_with_button("Continue")[1]
    client.cookies.clear()
    await open_page(client, "/sign-in")  # a fresh cookie, not the one the token was made for

    response = await client.post("/sign-in", data=stolen | {"email": "ada@example.org"})

    assert response.status_code == 403


async def test_signing_out_deletes_the_token_behind_the_cookie(client, mail_dir):
    await sign_in(client, mail_dir, "ada@example.org")
    token = client.cookies["booking_session"]
    page = await open_page(client, "/sign-out")

    response = await submit(client, page, "Sign out")

    assert response.status_code == 303
    client.cookies.set("booking_session", token)  # a copy of the old cookie
    page = await open_page(client, "/")
    assert "Signed in as" not in page.text
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401


async def test_the_json_api_does_not_accept_the_page_cookie(client, mail_dir):
    await sign_in(client, mail_dir, "ada@example.org")

    response = await client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_sign_in_returns_to_a_local_page_only(client, mail_dir):
    page = await open_page(client, "/sign-in?next=//evil.example/x")
    assert page.form_with_button("Continue")[1]["next"] == "/"

    page = await open_page(client, "/sign-in?next=/cohorts/abc")
    response = await submit(client, page, "Continue", email="ada@example.org")
    response = await submit(
        client, Page(response.text), "Sign in", code=last_code(mail_dir, "ada@example.org")
    )
    # Through "Tell us about you" (a first sign-in), whose `next` is as local as this one's.
    assert response.headers["location"] == "/about-you?next=%2Fcohorts%2Fabc"
    about = await open_page(client, response.headers["location"])
    assert about.form_with_button("Skip for now")[1]["next"] == "/cohorts/abc"
    about = await open_page(client, "/about-you?next=//evil.example/x")
    assert about.form_with_button("Skip for now")[1]["next"] == "/"
