"""A mail directory that refuses files (no SMTP server set): /ready says so with a 503, and a
sign-in that cannot send its code leaves one clear line in the log. Both used to be silent:
/ready answered ok and every sign-in was a 503 with nothing logged."""

from __future__ import annotations

import logging

import pytest
from litestar.testing import AsyncTestClient
from msgspec.structs import replace

from booking.app import create_app


@pytest.fixture
def broken_mail_settings(settings, tmp_path):
    """The mail directory would have to be made under a regular file: impossible, even for root."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    return replace(settings, mail=replace(settings.mail, mail_dir=blocker / "mail"))


@pytest.fixture
async def broken_client(broken_mail_settings, clock, engine):
    app = create_app(broken_mail_settings, clock=clock)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        yield client


async def test_ready_is_503_when_the_mail_directory_is_not_writable(broken_client):
    response = await broken_client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["database"], body["mail"]) == (
        "unavailable",
        "at head",
        "not writable",
    )
    assert "not-a-directory" not in response.text  # no server path in a public answer


async def test_ready_says_the_mail_directory_is_writable(client):
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["mail"] == "writable"


async def test_with_an_smtp_server_the_mail_directory_does_not_matter(
    broken_mail_settings, clock, engine
):
    smtp = replace(
        broken_mail_settings, mail=replace(broken_mail_settings.mail, smtp_host="smtp.invalid")
    )
    async with AsyncTestClient(app=create_app(smtp, clock=clock)) as client:
        response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["mail"] == "smtp"


async def test_a_sign_in_code_that_cannot_be_sent_is_a_503_and_one_log_line(broken_client, caplog):
    with caplog.at_level(logging.WARNING, logger="booking.services.auth"):
        response = await broken_client.post(
            "/api/v1/auth/email-code", json={"email": "sam@school.example"}
        )
    assert response.status_code == 503
    assert response.json()["code"] == "mail_unavailable"
    [record] = [r for r in caplog.records if r.name == "booking.services.auth"]
    assert record.levelno == logging.WARNING
    assert "sign-in code could not be sent" in record.getMessage()
    assert "cannot write mail" in record.getMessage()
    assert "sam@school.example" not in record.getMessage()
