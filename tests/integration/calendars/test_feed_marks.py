"""A feed's ETag is made from marks that every change it shows moves on, in the same
transaction (booking.repositories.feed_changes): a poll of an unchanged feed is answered 304
from one query, without rendering, and every change a feed shows gives it a new ETag."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from booking.services import feeds as feed_service
from tests.support.engine import add_session, build_world, published_cohort, teacher_token
from tests.support.factories import bearer, create_hub, create_venue


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


async def feed_path(client, token):
    url = (await client.get("/api/v1/me/feed", headers=bearer(token))).json()["https_url"]
    return url.split("127.0.0.1:8000", 1)[1]


class Feeds:
    """The feeds a change may touch: a booked teacher's, the trainer's, the hub's (public and
    hub admin's), the admins', and another hub's (which nothing here touches)."""

    def __init__(self, client, paths):
        self.client = client
        self.paths = paths

    async def etags(self):
        found = {}
        for name, path in self.paths.items():
            response = await self.client.get(path)
            assert response.status_code == 200, (name, response.text)
            found[name] = response.headers["etag"]
        return found


@pytest.fixture
async def feeds(client, world, clock):
    start = clock.now() + timedelta(days=10)
    cohort = await published_cohort(client, world, start)
    teacher = await teacher_token(client, "t@school.example")
    booked = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(teacher)
    )
    assert booked.json()["status"] == "confirmed"
    other_hub = await create_hub(client, world.admin, name="Other Hub")
    paths = {
        "teacher": await feed_path(client, teacher),
        "trainer": await feed_path(client, world.trainer["api_token"]),
        "hub_admin": await feed_path(client, world.hub_admin),
        "admin": await feed_path(client, world.admin),
        "hub": f"/feeds/hubs/{world.hub['id']}.ics",
        "other_hub": f"/feeds/hubs/{other_hub['id']}.ics",
    }
    return cohort, teacher, Feeds(client, paths)


def later(moment: str, hours: int = 2) -> str:
    return (datetime.fromisoformat(moment) + timedelta(hours=hours)).isoformat()


CHANGES = {
    "the session moves": lambda w, c, _t: (
        "patch",
        f"/api/v1/sessions/{c['sessions'][0]['id']}",
        {
            "starts_at": later(c["sessions"][0]["starts_at"]),
            "ends_at": later(c["sessions"][0]["ends_at"]),
        },
        bearer(w.hub_admin),
    ),
    "the venue is renamed": lambda w, _c, _t: (
        "patch",
        f"/api/v1/venues/{w.venue['id']}",
        {"name": "The Hall"},
        bearer(w.hub_admin),
    ),
    "the venue's accessibility changes": lambda w, _c, _t: (
        "patch",
        f"/api/v1/venues/{w.venue['id']}",
        {"accessibility": ["lift"]},
        bearer(w.hub_admin),
    ),
    "the hub is renamed": lambda w, _c, _t: (
        "patch",
        f"/api/v1/hubs/{w.hub['id']}",
        {"name": "North West SEND Hub"},
        bearer(w.hub_admin),
    ),
}
SESSION_WIDE = {"teacher", "trainer", "hub_admin", "admin", "hub"}


@pytest.mark.parametrize("change", sorted(CHANGES))
async def test_a_change_moves_the_etag_of_every_feed_that_shows_it_and_no_other(
    client, world, feeds, change
):
    cohort, teacher, watched = feeds
    before = await watched.etags()
    method, path, body, headers = CHANGES[change](world, cohort, teacher)
    response = await getattr(client, method)(path, json=body, headers=headers)
    assert response.status_code == 200, response.text
    after = await watched.etags()
    moved = {name for name in before if before[name] != after[name]}
    # The hub's name shows in its public feed; its admins' feed shares the hub's mark.
    expected = {"hub", "hub_admin"} if change == "the hub is renamed" else SESSION_WIDE
    assert moved == expected


async def test_a_cancelled_booking_moves_only_that_teachers_feed(client, world, feeds):
    _cohort, teacher, watched = feeds
    before = await watched.etags()
    booking = (await client.get("/api/v1/me/bookings", headers=bearer(teacher))).json()
    cancelled = await client.delete(
        f"/api/v1/bookings/{booking['items'][0]['id']}", headers=bearer(teacher)
    )
    assert cancelled.status_code == 200, cancelled.text
    after = await watched.etags()
    assert {name for name in before if before[name] != after[name]} == {"teacher"}


async def test_an_added_session_and_a_cancelled_one_move_the_etags(client, world, feeds, clock):
    cohort, _teacher, watched = feeds
    before = await watched.etags()
    added = await add_session(client, world, cohort["id"], clock.now() + timedelta(days=12))
    assert added.status_code == 201, added.text
    middle = await watched.etags()
    assert {n for n in before if before[n] != middle[n]} == SESSION_WIDE
    dropped = await client.delete(
        f"/api/v1/sessions/{added.json()['id']}", headers=bearer(world.hub_admin)
    )
    assert dropped.status_code == 200, dropped.text
    after = await watched.etags()
    assert {n for n in middle if middle[n] != after[n]} == SESSION_WIDE


async def test_a_trainer_renamed_moves_their_feeds(client, world, feeds):
    _cohort, _teacher, watched = feeds
    before = await watched.etags()
    renamed = await client.patch(
        "/api/v1/me", json={"name": "Ada Lovelace"}, headers=bearer(world.trainer["api_token"])
    )
    assert renamed.status_code == 200, renamed.text
    after = await watched.etags()
    assert {n for n in before if before[n] != after[n]} == SESSION_WIDE


async def test_a_conditional_poll_is_one_query_and_renders_nothing(client, app, feeds, monkeypatch):
    _cohort, _teacher, watched = feeds
    for name in ("teacher", "hub"):
        path = watched.paths[name]
        etag = (await client.get(path)).headers["etag"]
        statements = []

        def count(_conn, _cursor, statement, *_args, statements=statements):
            if not statement.startswith("BEGIN"):  # SQLite's transaction start, not a query
                statements.append(statement)

        def no_rendering(*_args, **_kwargs):
            raise AssertionError("a current feed was rendered")

        engine = app.state.runtime.engine.sync_engine
        event.listen(engine, "before_cursor_execute", count)
        monkeypatch.setattr(feed_service, "feed", no_rendering)
        try:
            again = await client.get(path, headers={"If-None-Match": etag})
        finally:
            event.remove(engine, "before_cursor_execute", count)
            monkeypatch.undo()
        assert again.status_code == 304
        assert again.headers["etag"] == etag
        assert len(statements) == 1, (name, statements)


async def test_a_hubs_feed_keeps_its_first_events_when_there_are_too_many(
    client, world, clock, monkeypatch
):
    monkeypatch.setattr(feed_service, "HUB_MAX_EVENTS", 3)
    room = await create_venue(client, world.hub_admin, world.hub["id"], name="Room 2")
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=2))
    for day in range(3, 8):
        added = await add_session(
            client, world, cohort["id"], clock.now() + timedelta(days=day), venue_id=room["id"]
        )
        assert added.status_code == 201, added.text
    body = (await client.get(f"/feeds/hubs/{world.hub['id']}.ics")).text
    assert body.count("BEGIN:VEVENT") == 3
    first = clock.now() + timedelta(days=2)
    assert f"DTSTART:{first:%Y%m%dT%H%M%S}Z" in body
