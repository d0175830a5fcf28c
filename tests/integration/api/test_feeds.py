"""Subscribable feeds (API.md, Calendars; ICALENDAR.md, rules 25-36)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from icalendar import Calendar

from booking.log_redaction import RedactFeedTokens
from tests.support.engine import build_world, published_cohort, teacher_token
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
    token = await teacher_token(client, mail_dir, "t@school.example")
    other = await teacher_token(client, mail_dir, "o@school.example")
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
    token = await teacher_token(client, mail_dir, "t@school.example")
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
    token = await teacher_token(client, mail_dir, "t@school.example")
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
    token = await teacher_token(client, mail_dir, "t@school.example")
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
