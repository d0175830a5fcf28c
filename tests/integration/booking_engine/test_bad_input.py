"""Bad ids, bad or naive datetimes, wrong durations and unknown fields get the contract's 4xx."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.engine import create_cohort, published_cohort, teacher_token
from tests.support.factories import bearer


@pytest.mark.parametrize(
    ("method", "path", "who"),
    [
        ("get", "/api/v1/cohorts/nope", "anyone"),
        ("patch", "/api/v1/cohorts/nope", "hub_admin"),
        ("post", "/api/v1/cohorts/nope/publish", "hub_admin"),
        ("post", "/api/v1/cohorts/nope/cancel", "hub_admin"),
        ("post", "/api/v1/cohorts/nope/sessions", "hub_admin"),
        ("get", "/api/v1/cohorts/nope/roster", "hub_admin"),
        ("get", "/api/v1/cohorts/nope/roster.csv", "hub_admin"),
        ("post", "/api/v1/cohorts/nope/bookings", "teacher"),
        ("patch", "/api/v1/sessions/nope", "hub_admin"),
        ("delete", "/api/v1/sessions/nope", "hub_admin"),
        ("get", "/api/v1/sessions/nope/attendance", "hub_admin"),
        ("put", "/api/v1/sessions/nope/attendance", "hub_admin"),
        ("get", "/api/v1/bookings/nope", "teacher"),
        ("delete", "/api/v1/bookings/nope", "teacher"),
        ("post", "/api/v1/bookings/nope/accept", "teacher"),
        ("post", "/api/v1/bookings/nope/decline", "teacher"),
    ],
)
async def test_unknown_ids_are_404(client, world, mail_dir, clock, method, path, who):
    tokens = {
        "anyone": None,
        "hub_admin": world.hub_admin,
        "teacher": await teacher_token(client, "t@school.example"),
    }
    headers = bearer(tokens[who]) if tokens[who] else {}
    bodies = {
        "patch": {},
        "put": {"records": []},
        "post": {
            "starts_at": (clock.now() + timedelta(days=3)).isoformat(),
            "ends_at": (clock.now() + timedelta(days=3, hours=1)).isoformat(),
        }
        if path.endswith("/sessions")
        else {},
    }
    kwargs = {"json": bodies[method]} if method in bodies else {}
    if path.endswith("/cancel"):
        kwargs = {"json": {"reason": "x"}}
    response = await client.request(method.upper(), path, headers=headers, **kwargs)
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "body",
    [
        {"starts_at": "2027-03-04T16:00:00", "ends_at": "2027-03-04T18:00:00Z"},
        {"starts_at": "2027-03-04T16:00:00Z", "ends_at": "2027-03-04 18:00"},
        {"starts_at": "2027-02-30T16:00:00Z", "ends_at": "2027-03-04T18:00:00Z"},
        {"starts_at": 1700000000, "ends_at": "2027-03-04T18:00:00Z"},
        {"starts_at": "2027-03-04T16:00:00Z", "ends_at": "2027-03-04T18:00:00Z", "room": "B"},
        {"starts_at": "2027-03-04T16:00:00Z"},
    ],
)
async def test_bad_session_bodies_are_400(client, world, body):
    cohort = await create_cohort(client, world)
    response = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/sessions", json=body, headers=bearer(world.hub_admin)
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize(
    "body",
    [
        {"capacity": "ten"},
        {"offer_ttl": "48 hours"},
        {"promotion_cutoff": "-PT1H"},
        {"reminder_offsets": "P1D"},
        {"status": "published"},
    ],
)
async def test_bad_cohort_updates_are_400(client, world, body):
    cohort = await create_cohort(client, world)
    response = await client.patch(
        f"/api/v1/cohorts/{cohort['id']}", json=body, headers=bearer(world.hub_admin)
    )
    assert response.status_code == 400, response.text


@pytest.mark.parametrize("body", [{"accept_clashes": "yes"}, {"seats": 2}, []])
async def test_bad_booking_bodies_are_400(client, world, mail_dir, clock, body):
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=5))
    token = await teacher_token(client, "t@school.example")
    response = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings", json=body, headers=bearer(token)
    )
    assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2027-03-04T16:00:00"},
        {"to": "tomorrow"},
        {"has_seats": "maybe"},
        {"need_area": "maths"},
        {"limit": 0},
    ],
)
async def test_bad_cohort_queries_are_400(client, params):
    response = await client.get("/api/v1/cohorts", params=params)
    assert response.status_code == 400, response.text


async def test_only_teachers_book(client, world, clock):
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=5))
    response = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(world.hub_admin)
    )
    assert response.status_code == 403
    assert (
        await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", json={})
    ).status_code == 401


async def test_someone_elses_booking_is_404(client, world, mail_dir, clock):
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=5))
    owner = await teacher_token(client, "a@school.example")
    other = await teacher_token(client, "b@school.example")
    booking = (
        await client.post(
            f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(owner)
        )
    ).json()
    assert (
        await client.get(f"/api/v1/bookings/{booking['id']}", headers=bearer(other))
    ).status_code == 404
    assert (
        await client.delete(f"/api/v1/bookings/{booking['id']}", headers=bearer(other))
    ).status_code == 404
    staff = await client.get(f"/api/v1/bookings/{booking['id']}", headers=bearer(world.hub_admin))
    assert staff.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"starts_at": "9999-12-31T23:00:00Z", "ends_at": "9999-12-31T23:30:00Z"},
        {"starts_at": "0001-01-01T00:00:00Z", "ends_at": "0001-01-01T01:00:00Z"},
    ],
)
async def test_datetimes_at_the_ends_of_time_are_400(client, world, body):
    cohort = await create_cohort(client, world)
    response = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/sessions", json=body, headers=bearer(world.hub_admin)
    )
    assert response.status_code == 400, response.text


async def test_free_slots_at_the_ends_of_time_are_400(client, world):
    response = await client.get(
        f"/api/v1/trainers/{world.trainer['user']['id']}/free-slots",
        params={"from": "9999-12-30T00:00:00Z", "to": "9999-12-31T23:00:00Z", "duration": "PT1H"},
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 400


CONTROL_CHARACTERS = ["\x00", "\x07", "\x0b", "\x1b", "\x7f", "\x85"]


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=lambda c: hex(ord(c)))
async def test_a_cancel_reason_with_a_control_character_is_400_and_cancels_nothing(
    client, world, start, char
):
    """A bell or a vertical tab in the reason used to be saved, then every cancellation mail
    failed to compose; a NUL was a 500 on PostgreSQL."""
    cohort = await published_cohort(client, world, start)
    response = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/cancel",
        json={"reason": f"The trainer{char}is ill"},
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "reason"
    after = (await client.get(f"/api/v1/cohorts/{cohort['id']}")).json()
    assert (after["status"], after["cancel_reason"]) == ("published", None)


async def test_a_cancel_reason_may_span_lines(client, world, start):
    cohort = await published_cohort(client, world, start)
    response = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/cancel",
        json={"reason": "The trainer is ill.\r\n\tWe will offer new dates."},
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/v1/users",
            {"email": "x@example.org", "name": "X", "role": "trainer", "hub_id": "a\x00b"},
            "hub_id",
        ),
        ("/api/v1/cohorts", {"hub_id": "a\x00b"}, "hub_id"),
        ("/api/v1/cohorts", {"venue_id": "\x00"}, "venue_id"),
        ("/api/v1/me", {"school": "Oak\x00 Primary"}, "school"),
    ],
)
async def test_a_nul_in_a_user_or_cohort_field_is_400_not_a_500(client, world, path, body, field):
    """PostgreSQL refuses to store (or even compare) a text value holding NUL."""
    method = "PATCH" if path == "/api/v1/me" else "POST"
    if path == "/api/v1/cohorts":
        body = {
            "hub_id": world.hub["id"],
            "course_id": world.course["id"],
            "trainer_id": world.trainer["user"]["id"],
            "venue_id": world.venue["id"],
            "capacity": 2,
        } | body
    response = await client.request(method, path, json=body, headers=bearer(world.admin))
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
