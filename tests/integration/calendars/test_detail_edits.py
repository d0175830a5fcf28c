"""Editing what a calendar shows of a session but not its time
(docs/calendars.md, rules 13, 14, 16, 23, 26): a venue's name, address or postcode (LOCATION),
its accessibility or a trainer's name (DESCRIPTION). Through HTTP, the outbox and the
dispatcher, on the test database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar, Event
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.clock import FrozenClock
from booking.models import OutboxEvent, TrainingSession
from tests.support.dispatch import settle
from tests.support.engine import World, add_session, build_world, published_cohort, teacher_token
from tests.support.factories import Client, bearer, create_venue
from tests.support.ics_lint import checked
from tests.support.mail import calendar_part, text_part, to

TEACHERS = ("one@school.example", "two@school.example")
NEW_NAME = "The Lantern Centre"
Maker = async_sessionmaker[AsyncSession]


@dataclass
class Scene:
    """Sessions at the world's venue in every state, and two teachers booked on the live ones."""

    tokens: list[str]
    cohort: dict[str, Any]
    upcoming: list[str]  # future, scheduled, published cohort
    past: str  # held at the venue before the edit
    cancelled: str  # a cancelled session of the booked cohort
    cancelled_cohort: list[str]  # sessions of a cancelled cohort at the venue
    elsewhere: str  # a session of the same cohort at another venue


@pytest.fixture
async def world(client: Client, sessionmaker: Maker, clock: FrozenClock) -> World:
    return await build_world(client, sessionmaker, clock)


@pytest.fixture
async def scene(client: Client, world: World, clock: FrozenClock, mail_dir: Path) -> Scene:
    now = clock.now()
    cohort = await published_cohort(client, world, now + timedelta(days=1), capacity=5)
    added = [
        await add_session(client, world, cohort["id"], now + timedelta(days=d)) for d in (10, 17)
    ]
    doomed = await add_session(client, world, cohort["id"], now + timedelta(days=20))
    other_venue = await create_venue(client, world.hub_admin, world.hub["id"], name="Room 2")
    away = await add_session(
        client, world, cohort["id"], now + timedelta(days=24), venue_id=other_venue["id"]
    )
    for response in (*added, doomed, away):
        assert response.status_code == 201, response.text
    tokens = [await teacher_token(client, email) for email in TEACHERS]
    for token in tokens:
        response = await client.post(
            f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(token)
        )
        assert response.json()["status"] == "confirmed", response.text
    cancelled = doomed.json()["id"]
    response = await client.delete(f"/api/v1/sessions/{cancelled}", headers=bearer(world.hub_admin))
    assert response.status_code == 200, response.text
    gone = await published_cohort(client, world, now + timedelta(days=30))
    response = await client.post(
        f"/api/v1/cohorts/{gone['id']}/cancel",
        json={"reason": "Not enough interest"},
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 200, response.text
    await settle(client)
    # The first session is over by the time anything is edited; the feed window still shows it.
    clock.advance(timedelta(days=2))
    return Scene(
        tokens=tokens,
        cohort=cohort,
        upcoming=[r.json()["id"] for r in added],
        past=cohort["sessions"][0]["id"],
        cancelled=cancelled,
        cancelled_cohort=[s["id"] for s in gone["sessions"]],
        elsewhere=away.json()["id"],
    )


async def stored(sessionmaker: Maker) -> dict[str, tuple[int, datetime]]:
    """(sequence, updated_at) of every session, by id."""
    async with sessionmaker() as db_session:
        rows = await db_session.execute(
            select(TrainingSession.id, TrainingSession.sequence, TrainingSession.updated_at)
        )
        return {row.id: (row.sequence, row.updated_at) for row in rows}


async def outbox_count(sessionmaker: Maker) -> int:
    async with sessionmaker() as db_session:
        return int(await db_session.scalar(select(func.count()).select_from(OutboxEvent)) or 0)


async def patch_venue(client: Client, world: World, **changes: Any) -> dict[str, Any]:
    response = await client.patch(
        f"/api/v1/venues/{world.venue['id']}", json=changes, headers=bearer(world.hub_admin)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def updates(mail_dir: Path, address: str) -> list[tuple[EmailMessage, Event]]:
    """(message, VEVENT) of every venue-details update mailed to `address`, each linted and
    read by both parsers."""
    found = []
    for message in to(mail_dir, address):
        data = calendar_part(message)
        if data is not None and str(message["Subject"]).startswith("Venue details changed"):
            lenient, _strict = checked(data)
            assert lenient.get("METHOD") == "REQUEST"
            found.append((message, lenient.events[0]))
    return found


def first_invites(mail_dir: Path, address: str) -> dict[str, int]:
    """The UID -> SEQUENCE of the invites sent when the booking was confirmed."""
    return {
        str(event["UID"]): event.sequence
        for message in to(mail_dir, address)
        if str(message["Subject"]).startswith("Booked")
        for event in Calendar.from_ical(calendar_part(message) or b"").events
    }


def event_at(feed: bytes, starts_at: datetime) -> Event:
    return next(e for e in Calendar.from_ical(feed).events if starts_at == e.DTSTART)


async def my_feed_path(client: Client, token: str) -> str:
    urls = (await client.get("/api/v1/me/feed", headers=bearer(token))).json()
    return str(urls["https_url"]).split("127.0.0.1:8000", 1)[1]


async def test_venue_rename_bumps_future_sessions_and_sends_one_update_each(
    client: Client,
    world: World,
    scene: Scene,
    clock: FrozenClock,
    mail_dir: Path,
    sessionmaker: Maker,
) -> None:
    before = await stored(sessionmaker)
    booked_uids = first_invites(mail_dir, TEACHERS[0])
    clock.advance(timedelta(minutes=5))
    now = clock.now()
    await patch_venue(client, world, name=NEW_NAME, postcode="m1 2ab")
    after = await stored(sessionmaker)
    for session_id in scene.upcoming:
        assert after[session_id] == (before[session_id][0] + 1, now)
    untouched = [scene.past, scene.cancelled, scene.elsewhere, *scene.cancelled_cohort]
    assert {s: after[s] for s in untouched} == {s: before[s] for s in untouched}

    await settle(client)
    for address in TEACHERS:
        sent = updates(mail_dir, address)
        assert len(sent) == len(scene.upcoming)  # one per future session, none for the rest
        for message, event in sent:
            assert str(event["UID"]) in booked_uids  # the same UID as the booking's invite
            assert event.sequence == 1 == booked_uids[str(event["UID"])] + 1
            assert str(event["LOCATION"]) == f"{NEW_NAME}, 1 High Street, Manchester, M1 2AB"
            assert str(event["ATTENDEE"]).lower() == f"mailto:{address}"
            assert event.last_modified == now
            text = " ".join(text_part(message).split())  # wrapped at 72
            assert "date and time are the same" in text
            assert "Room 1" in text  # where it was
            assert "M1 1AE" in text
            assert "rescheduled" not in text.lower()
            assert "It was" not in text
    assert not [m for m in to(mail_dir, TEACHERS[0]) if str(m["Subject"]).startswith("Changed")]


async def test_the_same_patch_again_changes_nothing(
    client: Client,
    world: World,
    scene: Scene,
    clock: FrozenClock,
    mail_dir: Path,
    sessionmaker: Maker,
) -> None:
    clock.advance(timedelta(minutes=5))
    await patch_venue(client, world, name=NEW_NAME)
    await settle(client)
    bumped, events, mails = (
        await stored(sessionmaker),
        await outbox_count(sessionmaker),
        len(to(mail_dir, TEACHERS[0])),
    )
    clock.advance(timedelta(minutes=5))
    venue = await patch_venue(client, world, name=NEW_NAME, postcode="M1 1AE", capacity=20)
    await settle(client)
    assert venue["name"] == NEW_NAME
    assert await stored(sessionmaker) == bumped
    assert await outbox_count(sessionmaker) == events
    assert len(to(mail_dir, TEACHERS[0])) == mails
    assert len(updates(mail_dir, TEACHERS[0])) == len(scene.upcoming)


async def test_accessibility_moves_last_modified_only_and_travel_notes_nothing(
    client: Client,
    world: World,
    scene: Scene,
    clock: FrozenClock,
    mail_dir: Path,
    sessionmaker: Maker,
) -> None:
    before, events = await stored(sessionmaker), await outbox_count(sessionmaker)
    mails = len(to(mail_dir, TEACHERS[0]))
    clock.advance(timedelta(minutes=5))
    now = clock.now()
    await patch_venue(client, world, accessibility=["step_free_access"])
    after = await stored(sessionmaker)
    for session_id in scene.upcoming:
        assert after[session_id] == (before[session_id][0], now)
    untouched = [scene.past, scene.cancelled, scene.elsewhere, *scene.cancelled_cohort]
    assert {s: after[s] for s in untouched} == {s: before[s] for s in untouched}
    clock.advance(timedelta(minutes=5))
    await patch_venue(client, world, travel_notes="Tram stop outside", timezone="Europe/London")
    await settle(client)
    assert await stored(sessionmaker) == after  # in no calendar: nothing to refresh
    assert await outbox_count(sessionmaker) == events
    assert len(to(mail_dir, TEACHERS[0])) == mails


async def test_trainer_rename_moves_last_modified_only(
    client: Client,
    world: World,
    scene: Scene,
    clock: FrozenClock,
    mail_dir: Path,
    sessionmaker: Maker,
) -> None:
    trainer_token = world.trainer["api_token"]
    path = await my_feed_path(client, trainer_token)
    first = await client.get(path)
    before, events = await stored(sessionmaker), await outbox_count(sessionmaker)
    mails = len(to(mail_dir, TEACHERS[0]))
    clock.advance(timedelta(minutes=5))
    now = clock.now()
    response = await client.patch(
        "/api/v1/me", json={"name": "Dr Ada Byron"}, headers=bearer(trainer_token)
    )
    assert response.status_code == 200, response.text
    after = await stored(sessionmaker)
    for session_id in [*scene.upcoming, scene.elsewhere]:  # what they teach, wherever
        assert after[session_id] == (before[session_id][0], now)
    untouched = [scene.past, scene.cancelled, *scene.cancelled_cohort]
    assert {s: after[s] for s in untouched} == {s: before[s] for s in untouched}
    await settle(client)
    assert await outbox_count(sessionmaker) == events
    assert len(to(mail_dir, TEACHERS[0])) == mails

    second = await client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    checked(second.content)
    for event in Calendar.from_ical(second.content).events:
        assert "Trainer: Dr Ada Byron" in str(event["DESCRIPTION"])
    again = await client.patch(
        "/api/v1/me", json={"name": "Dr Ada Byron"}, headers=bearer(trainer_token)
    )
    assert again.status_code == 200
    assert await stored(sessionmaker) == after


async def test_rename_refreshes_hub_and_teacher_feeds(
    client: Client, world: World, scene: Scene, clock: FrozenClock, sessionmaker: Maker
) -> None:
    paths = [f"/feeds/hubs/{world.hub['id']}.ics", await my_feed_path(client, scene.tokens[0])]
    old = [await client.get(path) for path in paths]
    for response in old:
        assert response.status_code == 200
        assert (
            await client.get(response.url.path, headers={"If-None-Match": response.headers["etag"]})
        ).status_code == 304
    upcoming = (await stored(sessionmaker))[scene.upcoming[0]]
    clock.advance(timedelta(minutes=5))
    now = clock.now()
    await patch_venue(client, world, name=NEW_NAME)

    starts = {
        s["id"]: datetime.fromisoformat(s["starts_at"])
        for s in (await client.get(f"/api/v1/cohorts/{scene.cohort['id']}")).json()["sessions"]
    }
    for path, before in zip(paths, old, strict=True):
        response = await client.get(path, headers={"If-None-Match": before.headers["etag"]})
        assert response.status_code == 200
        assert response.headers["etag"] != before.headers["etag"]
        checked(response.content)
        event = event_at(response.content, starts[scene.upcoming[0]])
        assert str(event["LOCATION"]).startswith(NEW_NAME)
        assert event.sequence == upcoming[0] + 1
        assert event.last_modified == now
        assert now == event.DTSTAMP  # a feed's DTSTAMP is the session's last change
        # The past session shows the venue as it is now but keeps its SEQUENCE (it is history).
        past = event_at(response.content, starts[scene.past])
        assert past.sequence == 0
        assert past.last_modified < now
        assert response.headers["last-modified"] != before.headers["last-modified"]
        again = await client.get(path)
        assert again.content == response.content
        assert again.headers["etag"] == response.headers["etag"]
        cached = await client.get(path, headers={"If-None-Match": response.headers["etag"]})
        assert cached.status_code == 304
