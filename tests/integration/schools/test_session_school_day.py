"""Every session response says whether it falls in the school day
(docs/contract.md, Booking for staff)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.engine import add_session, build_world, create_cohort
from tests.support.factories import bearer


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


async def test_sessions_say_whether_cover_is_needed(client, world):
    cohort = await create_cohort(client, world)
    # Tuesday 12 January 2027 (GMT): 10:00-12:00 in the day, 16:00-18:00 after it.
    morning = await add_session(client, world, cohort["id"], datetime(2027, 1, 12, 10, tzinfo=UTC))
    assert morning.status_code == 201, morning.text
    assert morning.json()["during_school_day"] is True
    evening = await add_session(client, world, cohort["id"], datetime(2027, 1, 12, 16, tzinfo=UTC))
    assert evening.json()["during_school_day"] is False
    # Saturday 16 January: no school.
    saturday = await add_session(client, world, cohort["id"], datetime(2027, 1, 16, 10, tzinfo=UTC))
    assert saturday.json()["during_school_day"] is False

    read = await client.get(f"/api/v1/cohorts/{cohort['id']}", headers=bearer(world.hub_admin))
    assert [s["during_school_day"] for s in read.json()["sessions"]] == [True, False, False]
    one = await client.get(f"/api/v1/cohorts/{cohort['id']}", headers=bearer(world.hub_admin))
    assert one.status_code == 200

    moved = await client.patch(
        f"/api/v1/sessions/{evening.json()['id']}",
        json={"starts_at": "2027-01-13T15:00:00Z", "ends_at": "2027-01-13T17:00:00Z"},
        headers=bearer(world.hub_admin),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["during_school_day"] is True
    cancelled = await client.delete(
        f"/api/v1/sessions/{saturday.json()['id']}", headers=bearer(world.hub_admin)
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["during_school_day"] is False


async def test_the_venues_zone_is_used(client, world):
    venue = await client.post(
        f"/api/v1/hubs/{world.hub['id']}/venues",
        json={
            "name": "West",
            "address": "1 Road",
            "postcode": "M1 1AE",
            "capacity": 20,
            "timezone": "America/New_York",
        },
        headers=bearer(world.hub_admin),
    )
    assert venue.status_code == 201, venue.text
    cohort = await create_cohort(client, world, venue_id=venue.json()["id"])
    # 16:00 UTC is 11:00 in New York.
    late = await add_session(client, world, cohort["id"], datetime(2027, 1, 12, 16, tzinfo=UTC))
    assert late.status_code == 201, late.text
    assert late.json()["during_school_day"] is True
