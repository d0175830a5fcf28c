"""The course catalogue (docs/contract.md, Courses, cohorts and sessions)."""

from __future__ import annotations

import pytest

from tests.support.factories import admin_token, bearer
from tests.support.mail import last_code

COURSE = {
    "title": "Understanding autism",
    "summary": "Strategies for the classroom.\nSecond line.",
    "need_areas": ["communication_and_interaction", "sensory_and_physical"],
    "audience": ["teacher", "teaching_assistant"],
}


@pytest.fixture
async def admin(sessionmaker, clock):
    return await admin_token(sessionmaker, clock)


async def test_course_is_created_and_listed_publicly(client, admin):
    created = await client.post("/api/v1/courses", json=COURSE, headers=bearer(admin))
    assert created.status_code == 201
    assert created.json()["need_areas"] == ["communication_and_interaction", "sensory_and_physical"]
    listed = await client.get("/api/v1/courses")
    assert [c["id"] for c in listed.json()["items"]] == [created.json()["id"]]
    assert (await client.get(f"/api/v1/courses/{created.json()['id']}")).json() == created.json()


async def test_need_area_filter(client, admin):
    await client.post("/api/v1/courses", json=COURSE, headers=bearer(admin))
    other = COURSE | {"title": "Hearing", "need_areas": ["hearing_impairment"]}
    hearing = (await client.post("/api/v1/courses", json=other, headers=bearer(admin))).json()
    listed = await client.get("/api/v1/courses", params={"need_area": "hearing_impairment"})
    assert [c["id"] for c in listed.json()["items"]] == [hearing["id"]]


async def test_unknown_need_area_filter_is_400(client):
    response = await client.get("/api/v1/courses", params={"need_area": "maths"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "override",
    [
        {"need_areas": ["maths"]},
        {"need_areas": []},
        {"audience": ["parent"]},
        {"title": "Line one\nline two"},
        {"title": "Bell\x07"},
        {"summary": "nul\x00"},
        {"title": "Next\x85line"},  # C1 control: NEL
        {"title": "Start\x80"},
        {"title": "Line\u2028separator"},
        {"title": "Paragraph\u2029separator"},
        {"summary": "C1 \x9f in a summary"},
        {"level": 2},
    ],
)
async def test_bad_course_fields_are_400(client, admin, override):
    response = await client.post("/api/v1/courses", json=COURSE | override, headers=bearer(admin))
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


async def test_teachers_cannot_create_courses(client, mail_dir):
    await client.post("/api/v1/auth/email-code", json={"email": "t@example.org"})
    token = (
        await client.post(
            "/api/v1/auth/token",
            json={"email": "t@example.org", "code": last_code(mail_dir, "t@example.org")},
        )
    ).json()["api_token"]
    assert (
        await client.post("/api/v1/courses", json=COURSE, headers=bearer(token))
    ).status_code == 403
