"""A published cohort with sessions, ready for booking tests, built through the HTTP API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tests.support.factories import (
    Client,
    admin_token,
    bearer,
    create_hub,
    create_user,
    create_venue,
)
from tests.support.sign_in import signed_in

ALL_WEEK = [
    {"day": d, "start": "00:00", "end": "23:59"}
    for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
]


@dataclass
class World:
    admin: str
    hub: dict[str, Any]
    hub_admin: str
    trainer: dict[str, Any]
    venue: dict[str, Any]
    course: dict[str, Any]


async def add_trainer(client: Client, world: World, email: str) -> dict[str, Any]:
    """Another trainer of the world's hub, available around the clock."""
    trainer = await create_user(client, world.admin, email, "trainer", world.hub["id"])
    response = await client.put(
        f"/api/v1/trainers/{trainer['user']['id']}/availability",
        json={"timezone": "Europe/London", "weekly": ALL_WEEK},
        headers=bearer(world.hub_admin),
    )
    assert response.status_code == 200, response.text
    return trainer


async def build_world(client: Client, sessionmaker, clock, *, venue_capacity: int = 30) -> World:
    admin = await admin_token(sessionmaker, clock)
    hub = await create_hub(client, admin)
    hub_admin = (await create_user(client, admin, "hubadmin@example.org", "hub_admin", hub["id"]))[
        "api_token"
    ]
    trainer = await create_user(client, admin, "trainer@example.org", "trainer", hub["id"])
    response = await client.put(
        f"/api/v1/trainers/{trainer['user']['id']}/availability",
        json={"timezone": "Europe/London", "weekly": ALL_WEEK},
        headers=bearer(hub_admin),
    )
    assert response.status_code == 200, response.text
    venue = await create_venue(client, hub_admin, hub["id"], capacity=venue_capacity)
    course = (
        await client.post(
            "/api/v1/courses",
            json={
                "title": "Autism in the classroom",
                "summary": "S",
                "need_areas": ["sensory_and_physical"],
                "audience": ["teacher"],
            },
            headers=bearer(hub_admin),
        )
    ).json()
    return World(admin, hub, hub_admin, trainer, venue, course)


async def create_cohort(client: Client, world: World, **overrides: Any) -> dict[str, Any]:
    body = {
        "hub_id": world.hub["id"],
        "course_id": world.course["id"],
        "trainer_id": world.trainer["user"]["id"],
        "venue_id": world.venue["id"],
        "capacity": 2,
    } | overrides
    response = await client.post("/api/v1/cohorts", json=body, headers=bearer(world.hub_admin))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def add_session(
    client: Client,
    world: World,
    cohort_id: str,
    starts_at: datetime,
    hours: float = 2,
    **extra: Any,
) -> Any:
    body = {
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=hours)).isoformat(),
    } | extra
    return await client.post(
        f"/api/v1/cohorts/{cohort_id}/sessions", json=body, headers=bearer(world.hub_admin)
    )


async def published_cohort(
    client: Client, world: World, start: datetime, **overrides: Any
) -> dict[str, Any]:
    cohort = await create_cohort(client, world, **overrides)
    response = await add_session(client, world, cohort["id"], start)
    assert response.status_code == 201, response.text
    response = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/publish", headers=bearer(world.hub_admin)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def teacher_token(client: Client, email: str) -> str:
    """A signed-in teacher's API token (tests.support.sign_in: no code round trip)."""
    [token] = await signed_in(client, [email])
    return token
