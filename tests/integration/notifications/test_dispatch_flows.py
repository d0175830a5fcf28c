"""Every mail of the Email section of
docs/contract.md, end to end: HTTP request → outbox → dispatcher → .eml.

The app runs with its file transport and a frozen clock; `settle` drives the dispatcher (the
app's own timer may help in the background: both claim rows under locks). Calendar parts are
read back with icalendar.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from booking.ports import DeliveryStatus
from notifications.models import Delivery, Reminder, ReminderStatus
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


async def book(client, token, cohort_id):
    response = await client.post(f"/api/v1/cohorts/{cohort_id}/bookings", headers=bearer(token))
    assert response.status_code in {200, 201}, response.text
    return response.json()


def invites(mail_dir, address, method):
    found = []
    for message in to(mail_dir, address):
        data = calendar_part(message)
        if data is not None:
            calendar = Calendar.from_ical(data)
            if calendar.get("METHOD") == method:
                found.append((message, calendar.events[0]))
    return found


def plain(mail_dir, address):
    return [m for m in to(mail_dir, address) if calendar_part(m) is None]


async def deliveries(sessionmaker):
    async with sessionmaker() as db_session:
        return (await db_session.scalars(select(Delivery).order_by(Delivery.id))).all()


async def reminders_of(sessionmaker):
    async with sessionmaker() as db_session:
        rows = await db_session.scalars(select(Reminder).order_by(Reminder.due_at))
        return [(r.reminder_offset, r.due_at, r.status) for r in rows]


async def test_a_confirmed_booking_gets_one_request_invite_per_session(
    app, client, world, start, mail_dir, sessionmaker
):
    cohort = await published_cohort(client, world, start, capacity=2)
    second = await add_session(client, world, cohort["id"], start + timedelta(days=7))
    assert second.status_code == 201
    token = await teacher_token(client, TEACHER)
    await book(client, token, cohort["id"])
    await settle(client)
    await settle(client)  # a second pass sends nothing again

    sent = invites(mail_dir, TEACHER, "REQUEST")
    assert len(sent) == 2
    uids = sorted(str(event["UID"]) for _, event in sent)
    sessions = (await client.get(f"/api/v1/cohorts/{cohort['id']}")).json()["sessions"]
    assert len(set(uids)) == 2
    assert all(int(event["SEQUENCE"]) == 0 for _, event in sent)
    for message, event in sent:
        assert "bookings@booking.test" in str(message["From"])
        assert str(event["ORGANIZER"]).lower() == "mailto:bookings@booking.test"
        assert str(event["ATTENDEE"]).lower() == f"mailto:{TEACHER}"
        assert message["Message-ID"]
        assert "step-free access" in text_part(message)
    rows = await deliveries(sessionmaker)
    assert [r.status for r in rows if r.kind == "booking_confirmed"] == [DeliveryStatus.SENT] * 2
    assert {r.session_id for r in rows if r.kind == "booking_confirmed"} == {
        s["id"] for s in sessions
    }


async def test_waitlisted_offered_expired_and_the_next_one_promoted(
    app, client, world, start, mail_dir, clock
):
    cohort = await published_cohort(
        client, world, start, capacity=1, waitlist_mode="offer", offer_ttl="PT2H"
    )
    emails = [f"t{i}@school.example" for i in range(3)]
    tokens = [await teacher_token(client, e) for e in emails]
    bookings = [await book(client, t, cohort["id"]) for t in tokens]
    await settle(client)
    assert "2" in text_part(plain(mail_dir, emails[2])[-1])  # "number 2 on the waitlist"

    cancel = await client.delete(f"/api/v1/bookings/{bookings[0]['id']}", headers=bearer(tokens[0]))
    assert cancel.status_code == 200
    await settle(client)
    assert len(invites(mail_dir, emails[0], "CANCEL")) == 1
    offer = plain(mail_dir, emails[1])[-1]
    assert "http://127.0.0.1:8000/my/bookings" in text_part(offer)

    clock.advance(timedelta(hours=2, seconds=1))
    await settle(client)
    expired = plain(mail_dir, emails[1])[-1]
    assert expired["Subject"] != offer["Subject"]
    # The seat went on to the third teacher, as an offer.
    third = await client.get(f"/api/v1/bookings/{bookings[2]['id']}", headers=bearer(tokens[2]))
    assert third.json()["status"] == "offered"
    assert "http://127.0.0.1:8000/my/bookings" in text_part(plain(mail_dir, emails[2])[-1])


async def test_reschedule_sends_request_with_same_uid_higher_sequence_and_moves_reminders(
    app, client, world, start, mail_dir, sessionmaker
):
    cohort = await published_cohort(client, world, start, capacity=2)
    token = await teacher_token(client, TEACHER)
    await book(client, token, cohort["id"])
    await settle(client)
    before = await reminders_of(sessionmaker)
    assert [(o, d) for o, d, _ in before] == [
        ("P7D", start - timedelta(days=7)),
        ("P1D", start - timedelta(days=1)),
    ]
    session_id = cohort["sessions"][0]["id"]
    moved = start + timedelta(days=2)
    response = await client.patch(
        f"/api/v1/sessions/{session_id}",
        json={"starts_at": moved.isoformat(), "ends_at": (moved + timedelta(hours=2)).isoformat()},
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 200, response.text
    await settle(client)

    sent = invites(mail_dir, TEACHER, "REQUEST")
    assert len(sent) == 2
    (_, first), (_, update) = sent
    assert str(update["UID"]) == str(first["UID"])
    assert int(update["SEQUENCE"]) == 1
    assert moved == update.DTSTART
    after = await reminders_of(sessionmaker)
    assert [(o, d) for o, d, _ in after] == [
        ("P7D", moved - timedelta(days=7)),
        ("P1D", moved - timedelta(days=1)),
    ]


async def test_cancelling_a_session_sends_cancel_and_drops_its_reminders(
    app, client, world, start, mail_dir, sessionmaker
):
    cohort = await published_cohort(client, world, start, capacity=2)
    token = await teacher_token(client, TEACHER)
    await book(client, token, cohort["id"])
    await settle(client)
    session_id = cohort["sessions"][0]["id"]
    response = await client.delete(
        f"/api/v1/sessions/{session_id}", headers=bearer(world.hub_admin)
    )
    assert response.status_code == 200
    await settle(client)
    cancels = invites(mail_dir, TEACHER, "CANCEL")
    assert len(cancels) == 1
    assert int(cancels[0][1]["SEQUENCE"]) == 1
    assert str(cancels[0][1]["STATUS"]) == "CANCELLED"
    assert await reminders_of(sessionmaker) == []


async def test_cohort_cancellation_tells_everyone_with_the_reason(
    app, client, world, start, mail_dir
):
    cohort = await published_cohort(client, world, start, capacity=1)
    booked, waiting = "booked@school.example", "waiting@school.example"
    for email in (booked, waiting):
        await book(client, await teacher_token(client, email), cohort["id"])
    await settle(client)
    response = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/cancel",
        json={"reason": "The trainer is ill"},
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 200
    await settle(client)
    ((message, _event),) = invites(mail_dir, booked, "CANCEL")
    assert "The trainer is ill" in text_part(message)
    assert "The trainer is ill" in text_part(plain(mail_dir, waiting)[-1])


async def test_reminders_go_out_once_at_their_time_and_a_passed_one_is_never_made(
    app, client, world, clock, mail_dir, sessionmaker
):
    soon = clock.now() + timedelta(days=3)  # P7D is already past: only P1D is due
    cohort = await published_cohort(client, world, soon, capacity=2)
    token = await teacher_token(client, TEACHER)
    await book(client, token, cohort["id"])
    await settle(client)
    assert [o for o, _, _ in await reminders_of(sessionmaker)] == ["P1D"]
    clock.advance(timedelta(days=2) - timedelta(seconds=1))
    await settle(client)
    assert [d.kind for d in await deliveries(sessionmaker)].count("reminder") == 0
    clock.advance(timedelta(seconds=1))
    await settle(client)
    await settle(client)
    reminders = [d for d in await deliveries(sessionmaker) if d.kind == "reminder"]
    assert [d.status for d in reminders] == [DeliveryStatus.SENT]
    assert [s for _, _, s in await reminders_of(sessionmaker)] == [ReminderStatus.QUEUED]
    mail = plain(mail_dir, TEACHER)[-1]
    assert "step-free access" in text_part(mail)


async def test_a_session_added_after_booking_reaches_the_attendee_once(
    client, world, start, mail_dir
):
    """Whichever of the two events is handled first, each session is announced once: the
    confirmation names the sessions it covered, the addition names who was booked."""
    cohort = await published_cohort(client, world, start, capacity=2)
    token = await teacher_token(client, TEACHER)
    await book(client, token, cohort["id"])
    added = await add_session(client, world, cohort["id"], start + timedelta(days=7))
    assert added.status_code == 201
    await settle(client)
    await settle(client)
    uids = [str(event["UID"]) for _, event in invites(mail_dir, TEACHER, "REQUEST")]
    assert len(uids) == 2
    assert len(set(uids)) == 2
