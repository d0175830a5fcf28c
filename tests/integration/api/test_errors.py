"""Every error is problem+json with a stable code
(docs/contract.md, Conventions; docs/architecture.md, Transactions)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from booking.models import Hub
from tests.support.factories import admin_token, bearer
from tests.support.faults import commits_fail

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


@pytest.fixture
async def admin(sessionmaker, clock):
    return await admin_token(sessionmaker, clock)


def assert_problem(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert (body["status"], body["code"]) == (status, code)


async def test_unknown_route_is_a_404_problem(client):
    assert_problem(await client.get("/api/v1/nothing-here"), 404, "not_found")


async def test_wrong_method_is_a_405_problem(client):
    assert_problem(await client.delete("/api/v1/hubs"), 405, "method_not_allowed")


async def test_json_bodies_over_64_kib_are_413(client, admin):
    body = (
        b'{"name": "' + b"x" * (65 * 1024) + b'", "region": "r", "contact_email": "a@example.org"}'
    )
    response = await client.post(
        "/api/v1/hubs", content=body, headers=bearer(admin) | {"content-type": "application/json"}
    )
    assert_problem(response, 413, "payload_too_large")


async def test_non_json_body_is_415(client, admin):
    response = await client.post(
        "/api/v1/hubs",
        content=b"name=x",
        headers=bearer(admin) | {"content-type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 415, "unsupported_media_type")


async def test_body_without_content_type_is_415(client):
    response = await client.post("/api/v1/auth/email-code", content=b'{"email": "a@example.org"}')
    assert_problem(response, 415, "unsupported_media_type")


async def test_json_with_charset_is_accepted(client):
    response = await client.post(
        "/api/v1/auth/email-code",
        content=b'{"email": "a@example.org"}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 202


@pytest.mark.parametrize(
    "content", [b"{", b"[]", b"null", b'"x"', b"\xff\xfe", b'{"email": "a@example.org",}']
)
async def test_malformed_json_is_400(client, content):
    response = await client.post(
        "/api/v1/auth/email-code", content=content, headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "validation_error")


async def test_validation_problems_name_the_field(client, admin):
    response = await client.post(
        "/api/v1/hubs",
        json={"name": "Hub", "region": "R", "contact_email": "nope"},
        headers=bearer(admin),
    )
    assert_problem(response, 400, "validation_error")
    assert response.json()["errors"][0]["field"] == "contact_email"


HUB = {"name": "Hub", "region": "R", "contact_email": "a@example.org"}


async def test_a_failed_commit_is_an_error_and_saves_nothing(client, app, admin, sessionmaker):
    with commits_fail(app, "disk full"):
        response = await client.post("/api/v1/hubs", json=HUB, headers=bearer(admin))
    assert response.status_code >= 500
    assert response.headers["content-type"].startswith("application/problem+json")
    async with sessionmaker() as db_session:
        assert await db_session.scalar(select(func.count()).select_from(Hub)) == 0


async def test_errors_do_not_leak_internals(client, app, admin):
    with commits_fail(app, "secret-internal-detail"):
        response = await client.post("/api/v1/hubs", json=HUB, headers=bearer(admin))
    assert "secret-internal-detail" not in response.text
    assert response.json()["code"] == "internal_error"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/hubs/%00",
        "/api/v1/cohorts/a%00b",
        "/api/v1/bookings/%00",
        "/api/v1/sessions/%00/attendance",
        "/feeds/hubs/%00.ics",
        "/api/v1/cohorts?course_id=%00",
    ],
)
async def test_a_nul_character_in_the_address_is_a_400_not_a_500(client, admin, path):
    """PostgreSQL cannot compare a text value holding NUL: the lookup used to fail as a 500."""
    assert_problem(await client.get(path, headers=bearer(admin)), 400, "validation_error")


# --- Input rules (docs/contract.md): the body itself --------------------------------------

DEEP = b'{"a":' * 3000 + b"1" + b"}" * 3000  # about 18 KB, far under the size limit


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("path", ["/api/v1/auth/email-code", "/api/v1/hubs"])
async def test_a_body_nested_thousands_deep_is_400_not_a_recursion_error(
    client, admin, path, signed_in
):
    headers = {"content-type": "application/json"} | (bearer(admin) if signed_in else {})
    response = await client.post(path, content=DEEP, headers=headers)
    if path == "/api/v1/hubs" and not signed_in:
        assert_problem(response, 401, "unauthorized")  # the guard answers first
    else:
        assert_problem(response, 400, "validation_error")
        assert "32" in response.json()["detail"]


@pytest.mark.parametrize(
    "content",
    [
        b'{"email": "a\xff@example.org"}',
        b'{"email": "\xc3\x28@example.org"}',
        b'{"\xed\xa0\x80": 1}',
    ],
)
async def test_a_body_that_is_not_utf8_is_400(client, content):
    response = await client.post(
        "/api/v1/auth/email-code", content=content, headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "validation_error")


@pytest.mark.parametrize("content", [b"null", b"[]", b"[{}]", b"1", b'"x"', b"true"])
async def test_a_booking_body_that_is_not_an_object_books_nothing(client, admin, content):
    """No body at all means "no options"; a body that is not an object is a mistake (`null`
    used to book as if nothing had been sent)."""
    response = await client.post(
        "/api/v1/cohorts/no-such-cohort/bookings",
        content=content,
        headers=bearer(admin) | {"content-type": "application/json"},
    )
    assert_problem(response, 400, "validation_error")
    assert "object" in response.json()["detail"]


async def test_a_missing_field_is_named_not_its_container(client, admin):
    response = await client.post(
        "/api/v1/hubs",
        json={"region": "R", "contact_email": "a@example.org"},
        headers=bearer(admin),
    )
    assert_problem(response, 400, "validation_error")
    assert response.json()["errors"] == [
        {"field": "name", "message": "Object missing required field `name`"}
    ]


async def test_an_unknown_field_is_named(client, admin):
    response = await client.post(
        "/api/v1/hubs", json=HUB | {"colour": "red"}, headers=bearer(admin)
    )
    assert_problem(response, 400, "validation_error")
    assert [e["field"] for e in response.json()["errors"]] == ["colour"]


WEEK = [
    {"day": "mon", "start": "09:00", "end": "10:00"},
    {"day": "tue", "start": "09:00", "end": "10:00"},
]


@pytest.mark.parametrize(
    ("third", "field"),
    [
        ({"day": "wed", "start": "9", "end": "10:00"}, "weekly[2].start"),
        ({"day": "wed", "end": "10:00"}, "weekly[2].start"),
        ({"day": "wed", "start": "09:00", "end": "10:00", "room": "4"}, "weekly[2].room"),
    ],
)
async def test_the_weekly_timetable_names_the_field_in_errors(client, admin, third, field):
    response = await client.put(
        "/api/v1/me/timetable", json={"weekly": [*WEEK, third]}, headers=bearer(admin)
    )
    assert_problem(response, 400, "validation_error")
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_a_nested_availability_field_is_named(client, admin, sessionmaker, clock):
    response = await client.put(
        "/api/v1/trainers/anyone/availability",
        json={"timezone": "Europe/London", "weekly": [*WEEK, {"day": "wed", "end": "10:00"}]},
        headers=bearer(admin),
    )
    assert_problem(response, 400, "validation_error")
    assert [e["field"] for e in response.json()["errors"]] == ["weekly[2].start"]
