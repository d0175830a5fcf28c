"""The audit log (docs/contract.md, Accounts, tokens and privacy: audit)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from booking.audit import AUDITED_ROLES, CONTEXT_KEY, AuditContext, audited_session_class
from booking.database import create_sessionmaker, unit_of_work
from booking.models import AuditEvent, Hub, Role
from booking.services.actor import Actor
from tests.support.engine import build_world, create_cohort, published_cohort
from tests.support.factories import bearer, create_hub, create_user
from tests.support.sign_in import signed_in


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


async def ident(client, token):
    return (await client.get("/api/v1/me", headers=bearer(token))).json()["id"]


async def hub_log(client, world, token=None, **params):
    response = await client.get(
        f"/api/v1/hubs/{world.hub['id']}/audit",
        params=params,
        headers=bearer(token or world.hub_admin),
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def count(sessionmaker):
    async with sessionmaker() as db_session:
        return await db_session.scalar(select(func.count()).select_from(AuditEvent))


async def test_a_cohorts_life_is_recorded_newest_first(client, world, clock):
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=7))
    clock.advance(timedelta(minutes=1))
    cancelled = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/cancel",
        json={"reason": "Trainer ill"},
        headers=bearer(world.hub_admin),
    )
    assert cancelled.status_code == 200
    items = await hub_log(client, world, entity="cohort", entity_id=cohort["id"])
    assert [i["action"] for i in items] == ["cancel", "publish", "create"]
    hub_admin_id = await ident(client, world.hub_admin)
    for item in items:
        assert (item["actor_id"], item["actor_role"]) == (hub_admin_id, "hub_admin")
        assert (item["entity"], item["entity_id"], item["hub_id"]) == (
            "cohort",
            cohort["id"],
            world.hub["id"],
        )
    cancel, publish, create = items
    assert cancel["changes"]["status"] == ["published", "cancelled"]
    assert cancel["changes"]["cancel_reason"] == [None, "Trainer ill"]
    assert publish["changes"]["status"] == ["draft", "published"]
    assert create["changes"]["capacity"] == 2
    assert "updated_at" not in create["changes"]
    assert cancel["at"] > create["at"]
    # The session was recorded too, with its hub found through its cohort.
    sessions = await hub_log(client, world, entity="training_session")
    assert [(s["action"], s["hub_id"]) for s in sessions] == [
        ("cancel", world.hub["id"]),
        ("create", world.hub["id"]),
    ]


async def test_who_cancelled_this_cohort(client, world, clock, sessionmaker):
    """The question a hub must be able to answer, asked by an admin."""
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=7))
    await client.post(
        f"/api/v1/cohorts/{cohort['id']}/cancel", json={"reason": "r"}, headers=bearer(world.admin)
    )
    response = await client.get(
        "/api/v1/admin/audit",
        params={"entity": "cohort", "entity_id": cohort["id"]},
        headers=bearer(world.admin),
    )
    latest = response.json()["items"][0]
    assert (latest["action"], latest["actor_role"]) == ("cancel", "admin")
    assert latest["actor_id"] == await ident(client, world.admin)


async def test_an_update_records_old_and_new_values(client, world):
    cohort = await create_cohort(client, world)
    await client.patch(
        f"/api/v1/cohorts/{cohort['id']}", json={"capacity": 3}, headers=bearer(world.hub_admin)
    )
    [update] = await hub_log(client, world, entity="cohort", entity_id=cohort["id"], limit=1)
    assert (update["action"], update["changes"]) == ("update", {"capacity": [2, 3]})


async def test_teachers_writes_are_not_audited(client, world, clock, sessionmaker):
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=7))
    before = await count(sessionmaker)
    [teacher] = await signed_in(client, ["t@example.org"])
    booked = await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(teacher))
    assert booked.status_code == 201
    await client.patch("/api/v1/me", json={"name": "T"}, headers=bearer(teacher))
    assert await count(sessionmaker) == before


async def test_hub_staff_cancelling_a_booking_and_attendance_are_recorded(client, world, clock):
    start = clock.now() + timedelta(minutes=20)
    cohort = await published_cohort(client, world, start)
    [teacher] = await signed_in(client, ["t@example.org"])
    booking = (
        await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(teacher))
    ).json()
    marked = await client.put(
        f"/api/v1/sessions/{cohort['sessions'][0]['id']}/attendance",
        json={"records": [{"booking_id": booking["id"], "status": "attended"}]},
        headers=bearer(world.trainer["api_token"]),
    )
    assert marked.status_code == 200, marked.text
    [attendance] = await hub_log(client, world, entity="attendance")
    assert (attendance["action"], attendance["actor_role"]) == ("attendance", "trainer")
    assert attendance["changes"]["status"] == "attended"
    assert attendance["entity_id"] == f"{cohort['sessions'][0]['id']}:{booking['id']}"
    await client.delete(f"/api/v1/bookings/{booking['id']}", headers=bearer(world.hub_admin))
    [cancel] = await hub_log(client, world, entity="booking", entity_id=booking["id"])
    assert (cancel["action"], cancel["changes"]["status"]) == ("cancel", ["confirmed", "cancelled"])


async def test_role_and_user_changes_are_named(client, world):
    trainer_id = world.trainer["user"]["id"]
    for body in ({"active": False}, {"active": True}, {"role": "hub_admin"}):
        response = await client.patch(
            f"/api/v1/users/{trainer_id}", json=body, headers=bearer(world.admin)
        )
        assert response.status_code == 200
    response = await client.get(
        "/api/v1/admin/audit",
        params={"entity": "user_account", "entity_id": trainer_id},
        headers=bearer(world.admin),
    )
    actions = [i["action"] for i in response.json()["items"]]
    assert actions == ["role_change", "reactivate", "deactivate", "create"]


async def test_a_venue_retired_is_a_delete(client, world):
    response = await client.delete(
        f"/api/v1/venues/{world.venue['id']}", headers=bearer(world.hub_admin)
    )
    assert response.status_code == 204
    [latest] = await hub_log(client, world, entity="venue", limit=1)
    assert (latest["action"], latest["entity_id"]) == ("delete", world.venue["id"])


async def test_any_table_is_recorded_without_code_of_its_own(client, world):
    """Trainer availability has no audit line anywhere: the flush listener records it, and
    finds its hub through the trainer."""
    trainer_id = world.trainer["user"]["id"]
    response = await client.put(
        f"/api/v1/trainers/{trainer_id}/availability",
        json={
            "timezone": "Europe/London",
            "weekly": [{"day": "mon", "start": "09:00", "end": "17:00"}],
        },
        headers=bearer(world.trainer["api_token"]),
    )
    assert response.status_code == 200
    [latest] = await hub_log(client, world, entity="trainer_availability", limit=1)
    assert (latest["action"], latest["actor_role"], latest["hub_id"]) == (
        "update",
        "trainer",
        world.hub["id"],
    )
    assert latest["changes"]["weekly"][1] == [{"day": "mon", "start": "09:00", "end": "17:00"}]


async def test_filters_and_paging(client, world, clock):
    for _ in range(3):
        await create_cohort(client, world)
        clock.advance(timedelta(hours=1))
    hub_admin_id = await ident(client, world.hub_admin)
    params = {"actor_id": hub_admin_id, "entity": "cohort"}
    items = await hub_log(client, world, **params)
    assert len(items) == 3
    first = await hub_log(client, world, **params, limit=2)
    assert first == items[:2]
    response = await client.get(
        f"/api/v1/hubs/{world.hub['id']}/audit",
        params={**params, "limit": 2},
        headers=bearer(world.hub_admin),
    )
    rest = await hub_log(client, world, **params, limit=2, cursor=response.json()["next_cursor"])
    assert rest == items[2:]
    since = items[1]["at"]
    window = await hub_log(client, world, **params, **{"from": since, "to": items[0]["at"]})
    assert window == [items[1]]
    assert await hub_log(client, world, actor_id="nobody") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2027-01-01T00:00:00"}, "to"),
        ({"limit": 0}, "limit"),
    ],
)
async def test_bad_filters_are_400(client, world, params, field):
    response = await client.get("/api/v1/admin/audit", params=params, headers=bearer(world.admin))
    assert response.status_code == 400
    assert field in response.text


async def test_who_may_read_which_log(client, world, sessionmaker, clock):
    other_hub = await create_hub(client, world.admin, name="Other")
    other_admin = (
        await create_user(client, world.admin, "o@example.org", "hub_admin", other_hub["id"])
    )["api_token"]
    hub_url = f"/api/v1/hubs/{world.hub['id']}/audit"
    assert (await client.get(hub_url, headers=bearer(world.admin))).status_code == 200
    assert (await client.get(hub_url, headers=bearer(other_admin))).status_code == 403
    assert (
        await client.get(hub_url, headers=bearer(world.trainer["api_token"]))
    ).status_code == 403
    assert (await client.get(hub_url)).status_code == 401
    assert (
        await client.get("/api/v1/hubs/nope/audit", headers=bearer(world.admin))
    ).status_code == 404
    assert (
        await client.get("/api/v1/admin/audit", headers=bearer(world.hub_admin))
    ).status_code == 403
    # The other hub's log holds its own creation and its hub admin, not this hub's work.
    other = await client.get(f"/api/v1/hubs/{other_hub['id']}/audit", headers=bearer(other_admin))
    assert {i["hub_id"] for i in other.json()["items"]} == {other_hub["id"]}


def test_school_leads_are_audited_by_value():
    assert {"admin", "hub_admin", "trainer", "school_lead"} == AUDITED_ROLES


async def add_hub_then_fail(db_session, now):
    async with unit_of_work(db_session):
        db_session.add(
            Hub(name="H", region="R", contact_email="h@x.org", created_at=now, updated_at=now)
        )
        await db_session.flush()
        assert await db_session.scalar(select(func.count()).select_from(AuditEvent)) == 1
        raise RuntimeError("the change fails after its flush")


async def test_the_audit_row_rolls_back_with_its_change(engine, clock):
    """Written on the flush's connection: a unit of work that fails leaves no audit row."""
    sessionmaker = create_sessionmaker(engine, sync_session_class=audited_session_class(Session))
    admin = Actor(id="a" * 32, email="a@example.org", role=Role.ADMIN, hub_id=None)
    now = clock.now()
    async with sessionmaker() as db_session:
        db_session.info[CONTEXT_KEY] = AuditContext(admin, clock)
        with pytest.raises(RuntimeError):
            await add_hub_then_fail(db_session, now)
    async with sessionmaker() as db_session:
        assert await db_session.scalar(select(func.count()).select_from(AuditEvent)) == 0
        db_session.info[CONTEXT_KEY] = AuditContext(admin, clock)
        async with unit_of_work(db_session):
            db_session.add(
                Hub(name="H", region="R", contact_email="h@x.org", created_at=now, updated_at=now)
            )
        [row] = (await db_session.scalars(select(AuditEvent))).all()
    assert (row.action, row.entity, row.actor_id) == ("create", "hub", admin.id)
    assert row.hub_id == row.entity_id
