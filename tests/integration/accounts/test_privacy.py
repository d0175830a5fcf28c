"""A person's data: export and erasure (docs/contract.md, Accounts, tokens and privacy)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from booking.models import Attendance, Base, Booking
from booking.ports import DeliveryStatus
from notifications.models import Delivery
from tests.support.dispatch import settle
from tests.support.engine import build_world, published_cohort
from tests.support.factories import bearer
from tests.support.sign_in import signed_in

EMAIL = "zoe.erasmus@school.example"
NAME = "Zoë Erasmus-Quill"
OLD_NAME = "Zoe Quill"
SCHOOL = "Oakfield Primary Quillshire"


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


async def book(client, token, cohort_id):
    response = await client.post(f"/api/v1/cohorts/{cohort_id}/bookings", headers=bearer(token))
    assert response.status_code in {200, 201}, response.text
    return response.json()


@pytest.fixture
async def zoe(client, world, clock, sessionmaker):
    """A teacher with a name, a school, a timetable, a feed, a finished course she attended, a
    place on a full course (someone waits behind her), sent mail and a mail still to send."""
    [token] = await signed_in(client, [EMAIL])
    me = await client.patch(
        "/api/v1/me",
        json={"name": OLD_NAME, "school": SCHOOL, "job_role": "senco"},
        headers=bearer(token),
    )
    assert me.status_code == 200
    timetable = {
        "timezone": "Europe/London",
        "weekly": [{"day": "sun", "start": "06:00", "end": "07:00", "label": f"{NAME} Year 5"}],
    }
    assert (
        await client.put("/api/v1/me/timetable", json=timetable, headers=bearer(token))
    ).status_code == 200
    assert (await client.get("/api/v1/me/feed", headers=bearer(token))).status_code == 200

    soon = clock.now() + timedelta(minutes=40)
    past = await published_cohort(client, world, soon, capacity=5)
    past_booking = await book(client, token, past["id"])
    clock.set(soon - timedelta(minutes=10))
    marked = await client.put(
        f"/api/v1/sessions/{past['sessions'][0]['id']}/attendance",
        json={"records": [{"booking_id": past_booking["id"], "status": "attended"}]},
        headers=bearer(world.trainer["api_token"]),
    )
    assert marked.status_code == 200, marked.text
    clock.advance(timedelta(hours=3))  # the course is over

    future = await published_cohort(client, world, clock.now() + timedelta(days=10), capacity=1)
    place = await book(client, token, future["id"])
    assert place["status"] == "confirmed"
    [other] = await signed_in(client, ["waiting@school.example"])
    waiting = await book(client, other, future["id"])
    assert waiting["status"] == "waitlisted"
    # An admin puts her name right: the audit log now holds it.
    user_id = me.json()["id"]
    renamed = await client.patch(
        f"/api/v1/users/{user_id}", json={"name": NAME}, headers=bearer(world.admin)
    )
    assert renamed.status_code == 200
    await settle(client)
    async with sessionmaker() as db_session, db_session.begin():
        db_session.add(
            Delivery(
                key=f"test:{EMAIL}:pending",
                kind="reminder",
                recipient=EMAIL,
                user_id=user_id,
                subject="Reminder",
                message=f"To: {NAME} <{EMAIL}>".encode(),
                status=DeliveryStatus.PENDING,
                attempts=0,
                next_attempt_at=clock.now() + timedelta(days=1),
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    return {
        "token": token,
        "id": user_id,
        "past": past,
        "past_booking": past_booking,
        "future": future,
        "place": place,
        "other": other,
        "waiting": waiting,
    }


# ---- export ------------------------------------------------------------------------------------


async def test_export_holds_everything_about_me_and_no_secrets(client, zoe):
    response = await client.get("/api/v1/me/export", headers=bearer(zoe["token"]))
    assert response.status_code == 200
    data = response.json()
    assert (data["user"]["email"], data["user"]["name"]) == (EMAIL, NAME)
    assert data["user"]["school_name"] == SCHOOL
    by_cohort = {b["cohort_id"]: b for b in data["bookings"]}
    past = by_cohort[zoe["past"]["id"]]
    assert past["course_title"] == "Autism in the classroom"
    assert [(s["venue"], s["attendance"]) for s in past["sessions"]] == [("Room 1", "attended")]
    assert by_cohort[zoe["future"]["id"]]["status"] == "confirmed"
    assert data["timetable"]["summary"]["source"] == "weekly"
    assert data["timetable"]["weekly"]["weekly"][0]["label"] == f"{NAME} Year 5"
    assert data["timetable"]["entries"]
    assert {e["summary"] for e in data["timetable"]["entries"]} == {f"{NAME} Year 5"}
    assert [t["kind"] for t in data["tokens"]] == ["sign_in"]
    assert data["tokens"][0]["current"] is True
    assert zoe["token"] not in response.text
    assert "token_hash" not in response.text
    kinds = {m["kind"] for m in data["mails"]}
    assert "booking_confirmed" in kinds, kinds
    assert all(
        set(m) == {"kind", "subject", "status", "created_at", "sent_at"} for m in data["mails"]
    )
    [rename] = [a for a in data["audit"] if a["entity_id"] == zoe["id"]]
    assert rename["changes"] == {"name": [OLD_NAME, NAME]}


async def test_export_needs_a_token(client):
    assert (await client.get("/api/v1/me/export")).status_code == 401


# ---- erasure -----------------------------------------------------------------------------------


async def everything_stored(sessionmaker) -> list[tuple[str, str, str]]:
    """Every text, JSON and binary value of every table, as (table, column, text)."""
    found = []
    async with sessionmaker() as db_session:
        for table in Base.metadata.sorted_tables:
            for row in (await db_session.execute(select(table))).mappings():
                for column, value in row.items():
                    if isinstance(value, bytes):
                        text = value.decode("utf-8", errors="replace")
                    elif isinstance(value, (dict, list)):
                        text = json.dumps(value) + json.dumps(value, ensure_ascii=False)
                    elif isinstance(value, str):
                        text = value
                    else:
                        continue
                    found.append((table.name, str(column), text))
    return found


def mentions(stored, needles):
    return [
        (table, column)
        for table, column, text in stored
        if any(needle.lower() in text.lower() for needle in needles)
    ]


NEEDLES = [EMAIL, NAME, json.dumps(NAME)[1:-1], OLD_NAME, SCHOOL]


async def test_erasure_leaves_the_name_and_email_nowhere(client, zoe, sessionmaker):
    assert mentions(await everything_stored(sessionmaker), NEEDLES)  # the scan finds them before
    response = await client.delete("/api/v1/me", headers=bearer(zoe["token"]))
    assert response.status_code == 204
    await settle(client)
    assert mentions(await everything_stored(sessionmaker), NEEDLES) == []


async def test_erasure_keeps_past_bookings_and_attendance_as_counts(client, zoe, sessionmaker):
    await client.delete("/api/v1/me", headers=bearer(zoe["token"]))
    async with sessionmaker() as db_session:
        past = await db_session.scalar(
            select(Booking).where(Booking.id == zoe["past_booking"]["id"])
        )
        attended = await db_session.scalar(select(func.count()).select_from(Attendance))
        rows = await db_session.scalar(select(func.count()).select_from(Booking))
    assert past is not None
    assert past.status == "confirmed"  # a finished course's booking is history: kept as it was
    assert attended == 1
    assert rows == 3


async def test_erasure_cancels_live_bookings_and_the_seat_goes_to_the_waitlist(client, zoe):
    await client.delete("/api/v1/me", headers=bearer(zoe["token"]))
    await settle(client)
    waiting = await client.get(
        f"/api/v1/bookings/{zoe['waiting']['id']}", headers=bearer(zoe["other"])
    )
    assert waiting.json()["status"] == "confirmed"
    cohort = (await client.get(f"/api/v1/cohorts/{zoe['future']['id']}")).json()
    assert (cohort["confirmed_count"], cohort["waitlist_length"]) == (1, 0)


async def test_erasure_revokes_tokens_and_a_new_sign_in_is_a_new_empty_teacher(client, zoe):
    await client.delete("/api/v1/me", headers=bearer(zoe["token"]))
    assert (await client.get("/api/v1/me", headers=bearer(zoe["token"]))).status_code == 401
    [again] = await signed_in(client, [EMAIL])
    me = (await client.get("/api/v1/me", headers=bearer(again))).json()
    assert me["id"] != zoe["id"]
    assert (me["name"], me["school_name"], me["job_role"], me["role"]) == (
        "",
        None,
        None,
        "teacher",
    )
    assert (await client.get("/api/v1/me/bookings", headers=bearer(again))).json()["items"] == []
    timetable = (await client.get("/api/v1/me/timetable", headers=bearer(again))).json()
    assert timetable["source"] is None


async def test_erasure_keeps_sent_mail_rows_without_recipient_or_body(client, zoe, sessionmaker):
    async with sessionmaker() as db_session:
        before = (
            await db_session.execute(
                select(Delivery.id, Delivery.kind, Delivery.subject, Delivery.sent_at).where(
                    Delivery.recipient == EMAIL, Delivery.status == DeliveryStatus.SENT
                )
            )
        ).all()
    assert before
    await client.delete("/api/v1/me", headers=bearer(zoe["token"]))
    async with sessionmaker() as db_session:
        rows = (await db_session.scalars(select(Delivery))).all()
    by_id = {row.id: row for row in rows}
    for delivery_id, kind, subject, sent_at in before:
        row = by_id[delivery_id]
        assert (row.kind, row.subject, row.sent_at) == (kind, subject, sent_at)
        assert (row.recipient, row.message, row.user_id) == ("erased", None, None)
    assert not [
        row for row in rows if row.status == DeliveryStatus.PENDING and row.kind == "reminder"
    ]


async def test_erasure_replaces_the_name_in_audit_changes(client, zoe, world):
    await client.delete("/api/v1/me", headers=bearer(zoe["token"]))
    response = await client.get(
        "/api/v1/admin/audit",
        params={"entity": "user_account", "entity_id": zoe["id"]},
        headers=bearer(world.admin),
    )
    [rename] = [a for a in response.json()["items"] if a["action"] == "update"]
    assert rename["changes"] == {"name": "erased"}


async def test_an_admin_erases_someone(client, zoe, world, sessionmaker):
    response = await client.delete(f"/api/v1/users/{zoe['id']}", headers=bearer(world.admin))
    assert response.status_code == 204
    await settle(client)
    assert mentions(await everything_stored(sessionmaker), NEEDLES) == []
    listed = await client.get("/api/v1/users", headers=bearer(world.admin))
    assert zoe["id"] not in {u["id"] for u in listed.json()["items"]}
    audit = await client.get(
        "/api/v1/admin/audit",
        params={"entity_id": zoe["id"], "entity": "user_account"},
        headers=bearer(world.admin),
    )
    assert audit.json()["items"][0]["action"] == "erase"
    assert audit.json()["items"][0]["changes"] == {"erased": True}
    again = await client.delete(f"/api/v1/users/{zoe['id']}", headers=bearer(world.admin))
    assert again.status_code == 404


async def test_only_admins_erase_other_people(client, zoe, world):
    for token in (world.hub_admin, zoe["other"]):
        response = await client.delete(f"/api/v1/users/{zoe['id']}", headers=bearer(token))
        assert response.status_code == 403
    assert (await client.get("/api/v1/me", headers=bearer(zoe["token"]))).status_code == 200
