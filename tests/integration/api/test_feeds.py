"""Subscribable feeds (docs/contract.md, Calendars; docs/calendars.md, rules 19-29)."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from booking.log_redaction import RedactFeedTokens
from booking.models import Base
from booking.services.feeds import (
    HUB_WINDOW_AFTER,
    HUB_WINDOW_BEFORE,
    WINDOW_AFTER,
    WINDOW_BEFORE,
)
from tests.support.engine import (
    add_session,
    build_world,
    create_cohort,
    published_cohort,
    teacher_token,
)
from tests.support.factories import bearer
from tests.support.ics_lint import checked


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


def path_of(url):
    return url.split("127.0.0.1:8000", 1)[1]


async def my_feed_path(client, token):
    urls = (await client.get("/api/v1/me/feed", headers=bearer(token))).json()
    assert urls["webcal_url"] == "webcal" + urls["https_url"].removeprefix("http")
    return path_of(urls["https_url"])


async def test_teacher_feed_shows_confirmed_bookings_only(client, world, clock, mail_dir):
    start = clock.now() + timedelta(days=5)
    booked = await published_cohort(client, world, start, capacity=1)
    token = await teacher_token(client, "t@school.example")
    other = await teacher_token(client, "o@school.example")
    await client.post(f"/api/v1/cohorts/{booked['id']}/bookings", json={}, headers=bearer(other))
    await client.post(
        f"/api/v1/cohorts/{booked['id']}/bookings", json={}, headers=bearer(token)
    )  # waitlisted
    response = await client.get(
        await my_feed_path(client, token), headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert Calendar.from_ical(response.content).events == []
    feed = await client.get(await my_feed_path(client, other))
    _, strict = checked(feed.content)  # byte lint, icalendar and the strict `ical` parser
    assert len(strict.events) == 1
    events = Calendar.from_ical(feed.content).events
    assert [str(e["SUMMARY"]) for e in events] == ["Autism in the classroom"]
    assert b"ATTENDEE" not in feed.content
    assert b"METHOD" not in feed.content
    assert b"o@school.example" not in feed.content


async def test_feed_is_byte_identical_and_conditional(client, world, clock, mail_dir):
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=5))
    token = await teacher_token(client, "t@school.example")
    await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(token))
    path = await my_feed_path(client, token)
    first, second = await client.get(path), await client.get(path)
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["etag"].startswith('"')
    assert "private" in first.headers["cache-control"]
    assert first.headers["referrer-policy"] == "no-referrer"
    assert "last-modified" in first.headers
    cached = await client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert cached.status_code == 304
    assert cached.content == b""


async def test_cancelled_sessions_leave_the_feed(client, world, clock, mail_dir):
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=5))
    token = await teacher_token(client, "t@school.example")
    await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(token))
    path = await my_feed_path(client, token)
    before = await client.get(path)
    clock.advance(timedelta(minutes=1))
    await client.delete(
        f"/api/v1/sessions/{cohort['sessions'][0]['id']}", headers=bearer(world.hub_admin)
    )
    after = await client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert Calendar.from_ical(after.content).events == []


async def test_rotation_kills_the_old_url_at_once(client, world, mail_dir):
    token = await teacher_token(client, "t@school.example")
    old = await my_feed_path(client, token)
    assert (await client.get(old)).status_code == 200
    rotated = await client.post("/api/v1/me/feed/rotate", headers=bearer(token))
    new = path_of(rotated.json()["https_url"])
    assert new != old
    assert (await client.get(old)).status_code == 404
    assert (await client.get(new)).status_code == 200
    assert await my_feed_path(client, token) == new


async def test_trainer_and_hub_feeds(client, world, clock):
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=5))
    trainer_feed = await client.get(await my_feed_path(client, world.trainer["api_token"]))
    assert len(Calendar.from_ical(trainer_feed.content).events) == 1
    hub_feed = await client.get(f"/feeds/hubs/{world.hub['id']}.ics")
    checked(hub_feed.content)
    events = Calendar.from_ical(hub_feed.content).events
    assert [str(e["UID"]) for e in events] == [await session_uid(client, world, cohort)]
    assert "public" in hub_feed.headers["cache-control"]


async def session_uid(client, world, cohort):
    feed = await client.get(f"/feeds/hubs/{world.hub['id']}.ics")
    return str(Calendar.from_ical(feed.content).events[0]["UID"])


@pytest.mark.parametrize("path", ["/feeds/nope.ics", "/feeds/nope", "/feeds/hubs/nope.ics"])
async def test_unknown_feeds_are_404(client, path):
    assert (await client.get(path)).status_code == 404


def test_feed_tokens_never_reach_the_logs():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/feeds/SECRETTOKEN123.ics", "1.1", 200),
        None,
    )
    RedactFeedTokens().filter(record)
    assert "SECRETTOKEN123" not in record.getMessage()
    assert "/feeds/[redacted].ics" in record.getMessage()


def event_starts(body: bytes) -> set[datetime]:
    return {e.decoded("DTSTART").astimezone(UTC) for e in Calendar.from_ical(body).events}


async def test_the_feed_window_and_its_edges(client, world, clock, mail_dir):
    """The window runs from midnight (UTC) 30 days before today to midnight 366 days after it
    (booking.services.feeds): a session is in when it ends after the start and starts before
    the end. Sessions are made while they are still ahead, then the clock moves on."""
    assert timedelta(days=30) == WINDOW_BEFORE
    assert timedelta(days=366) == WINDOW_AFTER
    now = clock.now() + timedelta(days=40)  # 2027-02-20 09:00Z: winter, London is on UTC
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    window_start, window_end = today - WINDOW_BEFORE, today + WINDOW_AFTER
    two_hours = timedelta(hours=2)
    inside = {
        now - timedelta(days=29),
        window_start,  # starts on the first instant of the window
        now + timedelta(days=335),  # 11 months ahead
        window_end - two_hours - timedelta(minutes=1),  # ends 23:59 the day before the end
        now + timedelta(days=10),  # in the hub's shorter window too
        today + HUB_WINDOW_AFTER,  # just past the hub's window, inside a personal one
    }
    outside = {
        now - timedelta(days=31),
        window_start - two_hours - timedelta(minutes=1),  # ended at 23:59 the day before
        window_end,  # starts on the first instant after the window
        now + timedelta(days=396),  # 13 months ahead
    }
    cohort = await create_cohort(client, world)
    for start in sorted(inside | outside):
        response = await add_session(client, world, cohort["id"], start)
        assert response.status_code == 201, (start, response.text)
    published = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/publish", headers=bearer(world.hub_admin)
    )
    assert published.status_code == 200, published.text
    token = await teacher_token(client, "t@school.example")
    booked = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(token)
    )
    assert booked.json()["status"] == "confirmed", booked.text
    path = await my_feed_path(client, token)

    clock.set(now)
    feed = await client.get(path)
    checked(feed.content)
    assert event_starts(feed.content) == inside
    # A hub's public feed keeps a shorter window (7 days back, 180 ahead), to stay small.
    hub_start, hub_end = today - HUB_WINDOW_BEFORE, today + HUB_WINDOW_AFTER
    hub_feed = await client.get(f"/feeds/hubs/{world.hub['id']}.ics")
    in_hub_window = {s for s in inside | outside if s + two_hours > hub_start and s < hub_end}
    assert in_hub_window == {now + timedelta(days=10)}
    assert event_starts(hub_feed.content) == in_hub_window


async def test_if_modified_since(client, world, clock, mail_dir):
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=5))
    token = await teacher_token(client, "t@school.example")
    await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(token))
    path = await my_feed_path(client, token)
    first = await client.get(path)
    last_modified = first.headers["last-modified"]
    assert parsedate_to_datetime(last_modified) <= clock.now()

    same = await client.get(path, headers={"If-Modified-Since": last_modified})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["etag"] == first.headers["etag"]
    later = format_datetime(parsedate_to_datetime(last_modified) + timedelta(hours=1), usegmt=True)
    assert (await client.get(path, headers={"If-Modified-Since": later})).status_code == 304
    older = format_datetime(
        parsedate_to_datetime(last_modified) - timedelta(seconds=1), usegmt=True
    )
    stale = await client.get(path, headers={"If-Modified-Since": older})
    assert stale.status_code == 200
    assert stale.content == first.content
    garbage = await client.get(path, headers={"If-Modified-Since": "yesterday"})
    assert garbage.status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110, 13.1.3).
    mismatch = await client.get(
        path, headers={"If-None-Match": '"other"', "If-Modified-Since": last_modified}
    )
    assert mismatch.status_code == 200

    hub_path = f"/feeds/hubs/{world.hub['id']}.ics"
    hub_first = await client.get(hub_path)
    hub_same = await client.get(
        hub_path, headers={"If-Modified-Since": hub_first.headers["last-modified"]}
    )
    assert hub_same.status_code == 304


async def test_a_cancelled_booking_leaves_the_teachers_feed(client, world, clock, mail_dir):
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=5))
    token = await teacher_token(client, "t@school.example")
    booking = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(token)
    )
    path = await my_feed_path(client, token)
    before = await client.get(path)
    assert len(Calendar.from_ical(before.content).events) == 1

    clock.advance(timedelta(minutes=1))
    cancelled = await client.delete(
        f"/api/v1/bookings/{booking.json()['id']}", headers=bearer(token)
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"

    after = await client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    checked(after.content)
    assert Calendar.from_ical(after.content).events == []
    assert after.headers["etag"] != before.headers["etag"]
    since = await client.get(path, headers={"If-Modified-Since": before.headers["last-modified"]})
    assert since.status_code == 200  # the cancellation is a change, though no session changed
    # The session itself is still live: the hub's public feed keeps it.
    hub_feed = await client.get(f"/feeds/hubs/{world.hub['id']}.ics")
    assert len(Calendar.from_ical(hub_feed.content).events) == 1


async def test_feed_tokens_are_stored_only_as_hashes(client, world, engine, mail_dir):
    token = await teacher_token(client, "t@school.example")
    first = (await my_feed_path(client, token)).removeprefix("/feeds/").removesuffix(".ics")
    rotated = await client.post("/api/v1/me/feed/rotate", headers=bearer(token))
    second = path_of(rotated.json()["https_url"]).removeprefix("/feeds/").removesuffix(".ics")
    trainer_token = world.trainer["api_token"]
    trainer = (await my_feed_path(client, trainer_token)).removeprefix("/feeds/")
    raw_tokens = {first, second, trainer.removesuffix(".ics")}
    assert (await client.get(f"/feeds/{second}.ics")).status_code == 200

    found: list[str] = []
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in await conn.execute(select(table)):
                for column, value in row._mapping.items():
                    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    found += [f"{table.name}.{column}" for t in raw_tokens if t in text]
        hashes = set(
            (await conn.execute(select(Base.metadata.tables["feed_token"].c.token_hash))).scalars()
        )
    assert found == []
    assert hashlib.sha256(second.encode()).hexdigest() in hashes
    assert hashlib.sha256(first.encode()).hexdigest() not in hashes  # rotated away
