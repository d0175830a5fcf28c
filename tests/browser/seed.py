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
_COURSES = itertools.count(1)


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
    trainer_id: str | None = None,
    minutes: int = 60,
) -> dict[str, Any]:
    """A published cohort of a new course of its own (so the demo's courses keep one cohort each
    for the other tests), one session (an hour unless told), by the given trainer (the demo's
    Ada Okafor when none is given)."""
    if trainer_id is None:
        with api(served, "trainer.ada@demo.example") as ada:
            trainer_id = ok(ada.get("/me"))["id"]
    with api(served, "hubadmin@demo.example") as hub:
        hub_id = ok(hub.get("/me"))["hub_id"]
        course = ok(
            hub.post(
                "/courses",
                json={
                    "title": f"Seeded course {next(_COURSES)}",
                    "summary": "Made by the browser tests.",
                    "need_areas": ["cognition_and_learning"],
                    "audience": ["teacher"],
                },
            )
        )
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
                    "ends_at": (start + timedelta(minutes=minutes)).isoformat(),
                },
            )
        )
        ok(hub.post(f"/cohorts/{cohort['id']}/publish"))
    return {**cohort, "course": course, "session": session}


def trainer_free_all_week(served: Served, email: str, name: str) -> str:
    """A new trainer of the demo hub, available every day from 00:00 to 23:59; returns the id."""
    with api(served, "hubadmin@demo.example") as hub:
        hub_id = ok(hub.get("/me"))["hub_id"]
        user = ok(
            hub.post(
                "/users", json={"email": email, "name": name, "role": "trainer", "hub_id": hub_id}
            )
        )["user"]
        days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        ok(
            hub.put(
                f"/trainers/{user['id']}/availability",
                json={
                    "timezone": "Europe/London",
                    "weekly": [{"day": d, "start": "00:00", "end": "23:59"} for d in days],
                    "exceptions": [],
                },
            )
        )
    return str(user["id"])
