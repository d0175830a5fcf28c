"""Seeding the served `booking serve --demo` process through its JSON API, with the tokens the
demo prints (admin, hub admin, trainers) read from the process's log."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.browser.conftest import Served

LONDON = ZoneInfo("Europe/London")
# Far beyond the demo's cohorts (three weeks out): each call gets its own weekday morning.
_SLOTS = itertools.count()


def token(served: Served, email: str) -> str:
    match = re.search(rf"{re.escape(email)}\s+token (\S+)", served.log.read_text())
    assert match, f"the demo printed no token for {email}"
    return match.group(1)


def api(served: Served, email: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{served.base_url}/api/v1",
        headers={"Authorization": f"Bearer {token(served, email)}"},
        timeout=10,
    )


def ok(response: httpx.Response) -> Any:
    assert response.is_success, f"{response.request.url}: {response.status_code} {response.text}"
    return response.json()


def next_weekday_morning() -> datetime:
    """09:00 London on a weekday 60+ days away, a different one on every call."""
    day = datetime.now(LONDON).date() + timedelta(days=60)
    n = next(_SLOTS)
    while True:
        if day.weekday() < 5:
            if n == 0:
                return datetime.combine(day, time(9), LONDON).astimezone(UTC)
            n -= 1
        day += timedelta(days=1)


def published_cohort(
    served: Served,
    *,
    capacity: int,
    mode: str = "auto",
    starts_at: datetime | None = None,
    trainer: str = "trainer.ada@demo.example",
) -> dict[str, Any]:
    """A published cohort of the demo's first course, one hour-long session, the given trainer."""
    with api(served, trainer) as as_trainer:
        trainer_id = ok(as_trainer.get("/me"))["id"]
    with api(served, "hubadmin@demo.example") as hub:
        hub_id = ok(hub.get("/me"))["hub_id"]
        course = ok(hub.get("/courses"))["items"][0]
        venue = ok(hub.get("/venues", params={"hub_id": hub_id}))["items"][1]
        cohort = ok(
            hub.post(
                "/cohorts",
                json={
                    "hub_id": hub_id,
                    "course_id": course["id"],
                    "trainer_id": trainer_id,
                    "venue_id": venue["id"],
                    "capacity": capacity,
                    "waitlist_mode": mode,
                },
            )
        )
        start = starts_at or next_weekday_morning()
        session = ok(
            hub.post(
                f"/cohorts/{cohort['id']}/sessions",
                json={
                    "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(hours=1)).isoformat(),
                },
            )
        )
        ok(hub.post(f"/cohorts/{cohort['id']}/publish"))
    return {**cohort, "course": course, "session": session}
