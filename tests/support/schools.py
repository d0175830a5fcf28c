"""Schools and their leads, built through the HTTP API."""

from __future__ import annotations

from itertools import count
from typing import Any

from tests.support.factories import Client, bearer

_urns = count(100_001)


async def create_school(client: Client, admin: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "urn": next(_urns),
        "name": "Oakfield Primary School",
        "local_authority": "Manchester",
        "phase": "Primary",
        "postcode": "M1 1AA",
    } | overrides
    response = await client.post("/api/v1/schools", json=body, headers=bearer(admin))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def create_lead(
    client: Client, admin: str, school_id: str, email: str = "lead@school.example"
) -> dict[str, Any]:
    """A school_lead of `school_id`: {"user": ..., "api_token": ...}."""
    body = {"email": email, "name": "Lee Lead", "role": "school_lead", "school_id": school_id}
    response = await client.post("/api/v1/users", json=body, headers=bearer(admin))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def add_staff(
    client: Client, lead: str, school_id: str, email: str, job_role: str | None = "teacher"
) -> dict[str, Any]:
    body: dict[str, Any] = {"email": email, "name": email.split("@", maxsplit=1)[0].title()}
    if job_role is not None:
        body["job_role"] = job_role
    response = await client.post(
        f"/api/v1/schools/{school_id}/staff", json=body, headers=bearer(lead)
    )
    assert response.status_code == 201, response.text
    return dict(response.json()["user"])
