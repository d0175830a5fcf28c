"""Editing a course (docs/contract.md, Hub operations): validation, the audit log, and a new title
reaching booked teachers' calendars as an updated invite (same UID, higher SEQUENCE)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from tests.support.dispatch import settle
from tests.support.engine import add_session, build_world, published_cohort, teacher_token
from tests.support.factories import bearer
from tests.support.mail import calendar_part, text_part, to

TEACHER = "teacher@school.example"


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


@pytest.fixture
def start(clock):
    return clock.now() + timedelta(days=10)


def requests_to(mail_dir, address):
    found = []
    for message in to(mail_dir, address):
        data = calendar_part(message)
        if data is not None:
            calendar = Calendar.from_ical(data)
            if calendar.get("METHOD") == "REQUEST":
                found.append((message, calendar.events[0]))
    return found


async def patch_course(client, world, body, token=None):
    return await client.patch(
        f"/api/v1/courses/{world.course['id']}", json=body, headers=bearer(token or world.hub_admin)
    )


async def test_a_hub_admin_changes_summary_need_areas_and_audience(client, world):
    response = await patch_course(
        client,
        world,
        {
            "summary": "New summary\nover two lines",
            "need_areas": ["hearing_impairment", "sensory_and_physical"],
            "audience": ["senco", "teacher"],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["summary"] == "New summary\nover two lines"
    assert body["need_areas"] == ["hearing_impairment", "sensory_and_physical"]
    assert body["audience"] == ["senco", "teacher"]
    assert body["title"] == world.course["title"]
    again = (await client.get(f"/api/v1/courses/{world.course['id']}")).json()
    assert again == body
    listed = await client.get("/api/v1/courses", params={"need_area": "hearing_impairment"})
    assert [c["id"] for c in listed.json()["items"]] == [world.course["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {"title": "Two\nlines"},
        {"title": "   "},
        {"title": "Bell\x07"},
        {"summary": "nul\x00"},
        {"need_areas": []},
        {"need_areas": ["maths"]},
        {"audience": []},
        {"audience": ["parent"]},
        {"level": 2},
    ],
)
async def test_bad_fields_are_400(client, world, body):
    response = await patch_course(client, world, body)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


async def test_who_may_edit(client, world):
    teacher = await teacher_token(client, TEACHER)
    assert (await patch_course(client, world, {"summary": "x"}, teacher)).status_code == 403
    assert (await patch_course(client, world, {"summary": "x"}, world.admin)).status_code == 200
    missing = await client.patch(
        "/api/v1/courses/nope", json={"summary": "x"}, headers=bearer(world.admin)
    )
    assert missing.status_code == 404
    anonymous = await client.patch(f"/api/v1/courses/{world.course['id']}", json={"summary": "x"})
    assert anonymous.status_code == 401


async def test_the_change_is_in_the_audit_log(client, world):
    assert (await patch_course(client, world, {"title": "Autism: next steps"})).status_code == 200
    log = await client.get(
        "/api/v1/admin/audit",
        params={"entity": "course", "entity_id": world.course["id"]},
        headers=bearer(world.admin),
    )
    assert log.status_code == 200, log.text
    updates = [e for e in log.json()["items"] if e["action"] == "update"]
    assert [e["changes"]["title"] for e in updates] == [
        ["Autism in the classroom", "Autism: next steps"]
    ]


async def test_a_new_title_resends_invites_with_the_same_uid_and_a_higher_sequence(
    app, client, world, start, mail_dir
):
    cohort = await published_cohort(client, world, start, capacity=2)
    second = await add_session(client, world, cohort["id"], start + timedelta(days=7))
    assert second.status_code == 201
    token = await teacher_token(client, TEACHER)
    booked = await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(token))
    assert booked.status_code == 201
    await settle(client)
    first_invites = requests_to(mail_dir, TEACHER)
    assert len(first_invites) == 2

    response = await patch_course(client, world, {"title": "Autism: next steps"})
    assert response.status_code == 200, response.text
    await settle(client)

    sent = requests_to(mail_dir, TEACHER)
    updates = sent[2:]
    assert len(updates) == 2
    before = {str(e["UID"]): int(e.get("SEQUENCE", 0)) for _, e in first_invites}
    for message, event in updates:
        assert str(event["SUMMARY"]) == "Autism: next steps"
        assert int(event["SEQUENCE"]) == before[str(event["UID"])] + 1
        assert "Course renamed: Autism: next steps" in " ".join(str(message["Subject"]).split())
        assert "Autism in the classroom" in text_part(message)
    sessions = (await client.get(f"/api/v1/cohorts/{cohort['id']}")).json()["sessions"]
    assert [s["sequence"] for s in sessions] == [1, 1]


async def test_same_title_or_other_fields_send_nothing(app, client, world, start, mail_dir):
    cohort = await published_cohort(client, world, start, capacity=2)
    token = await teacher_token(client, TEACHER)
    await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(token))
    await settle(client)
    assert len(requests_to(mail_dir, TEACHER)) == 1
    same = await patch_course(client, world, {"title": world.course["title"], "summary": "New"})
    assert same.status_code == 200
    await settle(client)
    assert len(requests_to(mail_dir, TEACHER)) == 1
    sessions = (await client.get(f"/api/v1/cohorts/{cohort['id']}")).json()["sessions"]
    assert [s["sequence"] for s in sessions] == [0]
