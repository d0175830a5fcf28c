"""A day off over a session the trainer teaches (docs/contract.md, Hub operations): saved, named in
the response, and the hub's admins are mailed once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.dispatch import settle
from tests.support.engine import ALL_WEEK, build_world, published_cohort
from tests.support.factories import bearer, create_hub, create_user
from tests.support.mail import text_part, to

HUB_ADMIN = "hubadmin@example.org"


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


@pytest.fixture
def start(clock):
    return clock.now() + timedelta(days=10)  # Thursday 21 January 2027, 09:00Z


def z(moment):
    return moment.isoformat().replace("+00:00", "Z")


async def put_exceptions(client, world, exceptions, token=None):
    return await client.put(
        f"/api/v1/trainers/{world.trainer['user']['id']}/availability",
        json={"timezone": "Europe/London", "weekly": ALL_WEEK, "exceptions": exceptions},
        headers=bearer(token or world.trainer["api_token"]),
    )


def away_mails(mail_dir, address):
    return [m for m in to(mail_dir, address) if "Trainer unavailable" in str(m["Subject"])]


async def test_a_day_off_over_a_session_is_saved_named_and_mailed_to_the_hub(
    app, client, world, start, mail_dir
):
    cohort = await published_cohort(client, world, start)
    other_hub = await create_hub(client, world.admin, name="Other hub")
    await create_user(client, world.admin, "elsewhere@example.org", "hub_admin", other_hub["id"])
    day_off = {
        "starts_at": z(start.replace(hour=0)),
        "ends_at": z(start.replace(hour=0) + timedelta(days=1)),
        "reason": "Dentist",
    }

    response = await put_exceptions(client, world, [day_off])

    assert response.status_code == 200, response.text
    body = response.json()
    assert [e["reason"] for e in body["exceptions"]] == ["Dentist"]
    assert [s["id"] for s in body["conflicting_sessions"]] == [cohort["sessions"][0]["id"]]
    assert body["conflicting_sessions"][0]["starts_at"] == cohort["sessions"][0]["starts_at"]
    again = await client.get(
        f"/api/v1/trainers/{world.trainer['user']['id']}/availability",
        headers=bearer(world.hub_admin),
    )
    assert [s["id"] for s in again.json()["conflicting_sessions"]] == [cohort["sessions"][0]["id"]]
    await settle(client)

    [mail] = away_mails(mail_dir, HUB_ADMIN)
    text = text_part(mail)
    assert "trainer has marked time as unavailable" in text
    assert "Autism in the classroom" in text
    assert "Thursday 21 January 2027" in text or "21 January 2027" in text
    assert "/hub" in text
    assert away_mails(mail_dir, "elsewhere@example.org") == []
    assert away_mails(mail_dir, "trainer@example.org") == []

    # Saving the same again tells nobody twice.
    assert (await put_exceptions(client, world, [day_off])).status_code == 200
    await settle(client)
    assert len(away_mails(mail_dir, HUB_ADMIN)) == 1


async def test_a_day_off_clear_of_sessions_mails_nobody(app, client, world, start, mail_dir):
    await published_cohort(client, world, start)
    other_day = start + timedelta(days=2)
    response = await put_exceptions(
        client,
        world,
        [{"starts_at": z(other_day), "ends_at": z(other_day + timedelta(hours=8))}],
        token=world.hub_admin,
    )
    assert response.status_code == 200
    assert response.json()["conflicting_sessions"] == []
    await settle(client)
    assert away_mails(mail_dir, HUB_ADMIN) == []
