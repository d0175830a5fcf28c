"""Seeding the served `booking serve --demo` process through its JSON API, with the tokens the
demo prints (admin, hub admin, trainers, school lead) read from the process's log."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.browser.conftest import Served, emailed_code, sign_in_mails

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
    venue_id: str | None = None,
) -> dict[str, Any]:
    """A published cohort of a new course of its own (so the demo's courses keep one cohort each
    for the other tests), one session (an hour unless told), by the given trainer (the demo's
    Ada Okafor when none is given), at the given venue (the demo's second when none is given)."""
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
        if venue_id is None:
            venue_id = ok(hub.get("/venues", params={"hub_id": hub_id}))["items"][1]["id"]
        cohort = ok(
            hub.post(
                "/cohorts",
                json={
                    "hub_id": hub_id,
                    "course_id": course["id"],
                    "trainer_id": trainer_id,
                    "venue_id": venue_id,
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


def venue_of_its_own(served: Served, name: str) -> dict[str, Any]:
    """A new venue of the demo hub, which no other test books or retires."""
    with api(served, "hubadmin@demo.example") as hub:
        hub_id = ok(hub.get("/me"))["hub_id"]
        return dict(
            ok(
                hub.post(
                    f"/hubs/{hub_id}/venues",
                    json={
                        "name": name,
                        "address": "1 Test Street\nManchester",
                        "postcode": "M1 1AA",
                        "capacity": 30,
                    },
                )
            )
        )


async def teacher_api(served: Served, email: str) -> httpx.Client:
    """An API client with a teacher's own token, got by the emailed code's round trip as a
    teacher's own app would (signing in creates the teacher)."""
    seen = len(sign_in_mails(served.mail_dir, email))
    async with httpx.AsyncClient(base_url=f"{served.base_url}/api/v1", timeout=10) as anonymous:
        sent = await anonymous.post("/auth/email-code", json={"email": email})
        assert sent.status_code == 202, sent.text
        code = await emailed_code(served.mail_dir, email, seen)
        issued = ok(await anonymous.post("/auth/token", json={"email": email, "code": code}))
    return httpx.Client(
        base_url=f"{served.base_url}/api/v1",
        headers={"Authorization": f"Bearer {issued['api_token']}"},
        timeout=10,
    )
