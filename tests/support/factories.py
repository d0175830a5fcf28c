"""Building users, hubs and the rest through the real services and HTTP API."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.clock import Clock
from booking.services.users import UserService

Client = AsyncTestClient[Litestar]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def admin_token(
    sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, email: str = "admin@example.org"
) -> str:
    async with sessionmaker() as db_session:
        _, token = await UserService(clock).ensure_admin(db_session, email, "Admin")
    return token


async def create_hub(client: Client, token: str, **overrides: Any) -> dict[str, Any]:
    body = {"name": "North West Hub", "region": "North West", "contact_email": "nw@example.org"}
    response = await client.post("/api/v1/hubs", json=body | overrides, headers=bearer(token))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def create_user(
    client: Client, token: str, email: str, role: str, hub_id: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"email": email, "name": email.split("@", maxsplit=1)[0], "role": role}
    if hub_id is not None:
        body["hub_id"] = hub_id
    response = await client.post("/api/v1/users", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def create_venue(client: Client, token: str, hub_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Room 1",
        "address": "1 High Street\nManchester",
        "postcode": "M1 1AE",
        "capacity": 20,
        "accessibility": ["step_free_access", "hearing_loop"],
    }
    response = await client.post(
        f"/api/v1/hubs/{hub_id}/venues", json=body | overrides, headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())
