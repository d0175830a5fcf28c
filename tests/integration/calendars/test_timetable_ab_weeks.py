"""Two-week (A/B) weekly timetables and INSET days over HTTP (docs/contract.md, Calendars
(additions)): saved, read back as given, and honoured by /me/busy and the booking clash check."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.engine import build_world, published_cohort, teacher_token
from tests.support.factories import bearer

TEACHER = "ab@school.example"
# The test clock starts on Monday 11 January 2027: that week is week A.
AB_BODY: dict[str, Any] = {
    "timezone": "Europe/London",
    "weeks": "ab",
    "week_a_starts": "2027-01-11",
    "weekly": [
        {"day": "mon", "start": "16:00", "end": "17:00", "label": "Y9 maths", "week": "a"},
        {"day": "tue", "start": "09:00", "end": "10:00", "label": "Y7 art", "week": "b"},
        {"day": "wed", "start": "09:00", "end": "10:00", "label": "Tutor"},
    ],
    "terms": [{"start_date": "2027-01-04", "end_date": "2027-03-31"}],
    "inset_days": ["2027-02-03"],
}


@pytest.fixture
async def teacher(client, mail_dir):
    return await teacher_token(client, TEACHER)


async def put(client, token, body):
    return await client.put("/api/v1/me/timetable", json=body, headers=bearer(token))


async def busy_starts(client, token, start: str, end: str) -> list[tuple[str, str]]:
    response = await client.get(
        "/api/v1/me/busy", params={"from": start, "to": end}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    return [(i["starts_at"], i["summary"]) for i in response.json()["items"]]


async def test_put_then_get_returns_the_weekly_timetable_as_given(client, teacher):
    saved = await put(client, teacher, AB_BODY)
    assert saved.status_code == 200, saved.text
    got = (await client.get("/api/v1/me/timetable", headers=bearer(teacher))).json()
    assert got["source"] == "weekly"
    assert {k: got[k] for k in AB_BODY} == AB_BODY | {
        "weekly": [block | {"week": block.get("week")} for block in AB_BODY["weekly"]]
    }


async def test_a_plain_weekly_timetable_reads_back_without_weeks(client, teacher):
    body = {"weekly": [{"day": "mon", "start": "09:00", "end": "10:00"}]}
    assert (await put(client, teacher, body)).status_code == 200
    got = (await client.get("/api/v1/me/timetable", headers=bearer(teacher))).json()
    assert (got["weeks"], got["week_a_starts"], got["inset_days"]) == (None, None, None)
    assert got["weekly"] == [{"day": "mon", "start": "09:00", "end": "10:00", "label": None,
                              "week": None}]  # fmt: skip


async def test_busy_shows_week_a_lessons_only_in_a_weeks_and_nothing_on_inset_days(client, teacher):
    assert (await put(client, teacher, AB_BODY)).status_code == 200
    starts = await busy_starts(client, teacher, "2027-01-11T00:00:00Z", "2027-02-06T00:00:00Z")
    maths = [s for s, summary in starts if summary == "Y9 maths"]
    art = [s for s, summary in starts if summary == "Y7 art"]
    tutor = [s for s, summary in starts if summary == "Tutor"]
    assert maths == ["2027-01-11T16:00:00Z", "2027-01-25T16:00:00Z"]  # weeks A
    assert art == ["2027-01-19T09:00:00Z", "2027-02-02T09:00:00Z"]  # weeks B
    # Every week, but Wednesday 3 February is an INSET day.
    assert tutor == ["2027-01-13T09:00:00Z", "2027-01-20T09:00:00Z", "2027-01-27T09:00:00Z"]


async def test_a_session_in_a_b_week_during_an_a_only_lesson_is_no_clash(
    client, sessionmaker, clock, mail_dir
):
    world = await build_world(client, sessionmaker, clock)
    token = await teacher_token(client, TEACHER)
    assert (await put(client, token, AB_BODY)).status_code == 200
    # Monday 18 January is week B: the week A maths lesson (16:00-17:00) is not on.
    week_b = await published_cohort(client, world, datetime(2027, 1, 18, 16, 30, tzinfo=UTC))
    booked = await client.post(
        f"/api/v1/cohorts/{week_b['id']}/bookings", json={}, headers=bearer(token)
    )
    assert booked.status_code == 201, booked.text
    assert booked.json()["clashes"] == []
    # Monday 25 January is week A: the same time clashes.
    week_a = await published_cohort(client, world, datetime(2027, 1, 25, 16, 30, tzinfo=UTC))
    refused = await client.post(
        f"/api/v1/cohorts/{week_a['id']}/bookings", json={}, headers=bearer(token)
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "timetable_clash"
    assert refused.json()["clashes"][0]["summary"] == "Y9 maths"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"week_a_starts": "2027-01-12"}, "week_a_starts"),  # a Tuesday
        ({"week_a_starts": None}, "week_a_starts"),
        ({"weeks": None}, "weekly[0].week"),
        ({"weeks": None, "week_a_starts": None}, "weekly[0].week"),
        ({"weeks": "abc"}, "weeks"),
        ({"week_a_starts": "soon"}, "week_a_starts"),
        ({"inset_days": ["2027-02-30"]}, "inset_days[0]"),
        ({"weekly": [{"day": "mon", "start": "09:00", "end": "10:00", "week": "c"}]},
         "weekly[0].week"),
    ],
)  # fmt: skip
async def test_validation_errors_name_the_field(client, teacher, change, field):
    response = await put(client, teacher, AB_BODY | change)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    assert [e["field"] for e in body["errors"]] == [field]


async def test_week_a_starts_without_weeks_ab_is_refused(client, teacher):
    body = {k: v for k, v in AB_BODY.items() if k != "weeks"}
    body["weekly"] = [{"day": "mon", "start": "09:00", "end": "10:00"}]
    response = await put(client, teacher, body)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["week_a_starts"]
