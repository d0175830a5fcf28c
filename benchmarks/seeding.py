"""Rows the benchmarks seed, as plain dicts for bulk `insert()`: thousands of rows in a few
statements instead of one ORM flush each. Every builder gives a row that is valid on its own and
takes keyword overrides, so a script only writes down what its benchmark needs to differ.
"""

from __future__ import annotations

import random
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from booking.ids import new_id
from booking.models import CohortStatus, NeedArea, Role, SessionStatus, TokenKind, WaitlistMode
from booking.security import hash_token

Row = dict[str, Any]
LONDON = ZoneInfo("Europe/London")
# Session start times (local) over a school year: the first three fall in lessons on a school
# day, the others not (used by the timetable and pages benchmarks).
SESSION_STARTS = ["09:30", "11:30", "14:00", "16:00", "18:00"]
SESSION_HOURS = 2


def now_s() -> datetime:
    """Now, to the second, as the service stores times."""
    return datetime.now(UTC).replace(microsecond=0)


def stamped(now: datetime) -> dict[str, datetime]:
    return {"created_at": now, "updated_at": now}


async def insert_rows(
    db: AsyncSession, model: type[Any], rows: list[Row], chunk: int = 2000
) -> None:
    """Executemany in chunks: drivers limit the parameters of one statement."""
    for start in range(0, len(rows), chunk):
        await db.execute(insert(model), rows[start : start + chunk])


def hub(now: datetime, **over: object) -> Row:
    return {
        "id": new_id(),
        "name": "Bench Hub",
        "region": "North West",
        "contact_email": "hub@bench.example",
        **stamped(now),
        **over,
    }


def course(now: datetime, **over: object) -> Row:
    return {
        "id": new_id(),
        "title": "Bench course",
        "summary": "s",
        "audience": ["teacher"],
        **stamped(now),
        **over,
    }


def need_area(course_id: str, area: NeedArea = NeedArea.SENSORY_AND_PHYSICAL) -> Row:
    return {"course_id": course_id, "need_area": area}


def venue(now: datetime, hub_id: str, **over: object) -> Row:
    return {
        "id": new_id(),
        "hub_id": hub_id,
        "name": "Room",
        "address": "1 Street\nTown",
        "postcode": "M1 1AE",
        "capacity": 30,
        "timezone": "Europe/London",
        "accessibility": ["lift"],
        **stamped(now),
        **over,
    }


def trainer(now: datetime, hub_id: str, n: object = "") -> Row:
    """trainer<n>@bench.example, "Trainer <n>", of the hub."""
    name = f"Trainer {n}".rstrip()
    return {**_person(now, Role.TRAINER, f"trainer{n}", name), "hub_id": hub_id}


def teacher(now: datetime, n: object = "") -> Row:
    """teacher<n>@bench.example, "Teacher <n>"."""
    return _person(now, Role.TEACHER, f"teacher{n}", f"Teacher {n}".rstrip())


def school(now: datetime, n: int, **over: object) -> Row:
    """A made-up school with URN 900000 + n."""
    return {
        "id": new_id(),
        "urn": 900_000 + n,
        "name": f"Bench School {n}",
        "search_name": f" bench school {n} ",
        "local_authority": "Benchshire",
        "phase": "Primary",
        "postcode": "M1 1AA",
        "status": "Open",
        "approval_required": False,
        "hub_id": None,
        **stamped(now),
        **over,
    }


def school_lead(now: datetime, school_id: str, n: object = "") -> Row:
    """lead<n>@bench.example, the school_lead of `school_id`."""
    return {**_person(now, Role.SCHOOL_LEAD, f"lead{n}", f"Lead {n}"), "school_id": school_id}


def _person(now: datetime, role: Role, mailbox: str, name: str) -> Row:
    return {
        "id": new_id(),
        "email": f"{mailbox}@bench.example",
        "name": name,
        "role": role,
        **stamped(now),
    }


def api_token(now: datetime, user_id: str) -> tuple[Row, str]:
    """The row (only the token's hash is stored) and the token to send as a Bearer."""
    token = secrets.token_urlsafe(32)
    row = {
        "id": new_id(),
        "user_id": user_id,
        "token_hash": hash_token(token),
        "kind": TokenKind.API,
        "created_at": now,
        "last_used_at": now,
        "expires_at": now + timedelta(days=365),
    }
    return row, token


def cohort(
    now: datetime, *, hub_id: str, course_id: str, trainer_id: str, venue_id: str, **over: object
) -> Row:
    """A published cohort with an automatic waitlist."""
    return {
        "id": new_id(),
        "hub_id": hub_id,
        "course_id": course_id,
        "trainer_id": trainer_id,
        "venue_id": venue_id,
        "status": CohortStatus.PUBLISHED,
        "capacity": 20,
        "waitlist_mode": WaitlistMode.AUTO,
        "offer_ttl": "PT48H",
        "promotion_cutoff": "PT24H",
        "reminder_offsets": ["P1D"],
        "published_at": now,
        **stamped(now),
        **over,
    }


def session(now: datetime, of: Row, starts_at: datetime, hours: float) -> Row:
    """A scheduled session of cohort `of`, at the cohort's venue with its trainer."""
    return {
        "id": new_id(),
        "cohort_id": of["id"],
        "venue_id": of["venue_id"],
        "trainer_id": of["trainer_id"],
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=hours),
        "status": SessionStatus.SCHEDULED,
        "sequence": 0,
        "uid": str(uuid.uuid4()),
        **stamped(now),
    }


def session_times(rng: random.Random, today: date, count: int) -> list[datetime]:
    """`count` local starts at SESSION_STARTS on days over the coming year (weekends too), as
    aware UTC."""
    starts = []
    for _ in range(count):
        day = today + timedelta(days=rng.randrange(2, 365))
        hhmm = clock_time.fromisoformat(rng.choice(SESSION_STARTS))
        starts.append(datetime.combine(day, hhmm, LONDON).astimezone(UTC))
    return sorted(starts)
