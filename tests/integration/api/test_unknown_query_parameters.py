"""A query parameter an /api/v1 endpoint does not declare is a 400
(docs/contract.md, Lists and paging: lists take `limit`, `cursor` and their filters, anything else →
400); documented ones still work, the guards still answer first, and the feeds, pages, /health,
/ready and /schema are left alone."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.app import create_app
from booking.clock import FrozenClock
from booking.ids import new_id
from booking.repositories.pagination import encode_cursor
from booking.settings import Settings
from tests.support.engine import build_world, published_cohort, teacher_token
from tests.support.factories import Client, bearer

UNKNOWN = {"bogus": "1"}
BODY_METHODS = {"POST", "PUT", "PATCH"}


def assert_unknown(response: httpx.Response, *names: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"] == [{"field": n, "message": "is not a parameter here"} for n in names]


@pytest.fixture
async def world(
    client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    mail_dir: Path,
) -> dict[str, str]:
    """Ids and tokens for every endpoint: a published cohort a teacher has booked."""
    world = await build_world(client, sessionmaker, clock)
    cohort = await published_cohort(client, world, clock.now() + timedelta(days=7))
    teacher = await teacher_token(client, "teacher@example.org")
    booked = await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(teacher))
    assert booked.status_code == 201, booked.text
    return {
        "admin": world.admin,
        "hub_admin": world.hub_admin,
        "trainer": world.trainer["api_token"],
        "teacher": teacher,
        "hub_id": world.hub["id"],
        "venue_id": world.venue["id"],
        "course_id": world.course["id"],
        "trainer_id": world.trainer["user"]["id"],
        "cohort_id": cohort["id"],
        "session_id": cohort["sessions"][0]["id"],
        "booking_id": booked.json()["id"],
    }


FROM, TO = "2027-01-18T00:00:00Z", "2027-01-19T00:00:00Z"

# The endpoints that take query parameters: who calls, and every documented parameter at once.
Documented = dict[str, str | None]  # a None value: filled in by the test (a real cursor)
READS: list[tuple[str, str | None, Documented]] = [
    ("/api/v1/hubs", None, {"limit": "5", "cursor": None}),
    ("/api/v1/venues", None, {"hub_id": "{hub_id}", "limit": "5", "cursor": None}),
    ("/api/v1/courses", None, {"need_area": "sensory_and_physical", "limit": "5", "cursor": None}),
    (
        "/api/v1/cohorts",
        "teacher",
        {
            "hub_id": "{hub_id}",
            "course_id": "{course_id}",
            "need_area": "sensory_and_physical",
            "from": FROM,
            "to": TO,
            "has_seats": "true",
            "fits_my_timetable": "true",
            "limit": "5",
            "cursor": None,
        },
    ),
    ("/api/v1/me/bookings", "teacher", {"limit": "5", "cursor": None}),
    (
        "/api/v1/schools",
        None,
        {
            "q": "oak",
            "urn": "100001",
            "local_authority": "Manchester",
            "limit": "5",
            "cursor": None,
        },
    ),
    ("/api/v1/admin/notifications", "admin", {"status": "pending", "limit": "5", "cursor": None}),
    ("/api/v1/me/busy", "teacher", {"from": FROM, "to": TO}),
    (
        "/api/v1/trainers/{trainer_id}/free-slots",
        "hub_admin",
        {"from": FROM, "to": TO, "duration": "PT1H"},
    ),
]


def filled(template: str, world: dict[str, str]) -> str:
    return template.format(**world)


async def a_cursor(client: Client, url: str, headers: dict[str, str]) -> str:
    """A `cursor` for the list: its next_cursor after one item, or the cursor the service would
    hand out after its only item (or after an id not yet given out, when it is empty)."""
    response = await client.get(url, params={"limit": "1"}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    if body["next_cursor"]:
        return str(body["next_cursor"])
    return encode_cursor(body["items"][0]["id"] if body["items"] else new_id())


@pytest.mark.parametrize(("path", "who", "documented"), READS, ids=[r[0] for r in READS])
async def test_documented_parameters_work_and_an_unknown_one_is_named(
    client: Client, world: dict[str, str], path: str, who: str | None, documented: Documented
) -> None:
    url = filled(path, world)
    headers = bearer(world[who]) if who else {}
    params = {k: filled(v, world) for k, v in documented.items() if v is not None}
    if "cursor" in documented:
        params["cursor"] = await a_cursor(client, url, headers)
    response = await client.get(url, params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert_unknown(await client.get(url, params=params | UNKNOWN, headers=headers), "bogus")


@pytest.mark.parametrize("path", ["/api/v1/hubs", "/api/v1/venues", "/api/v1/courses"])
async def test_a_list_takes_its_cursor_but_not_a_page_number(
    client: Client, world: dict[str, str], path: str
) -> None:
    cursor = await a_cursor(client, path, {})
    response = await client.get(path, params={"limit": "1", "cursor": cursor})
    assert response.status_code == 200, response.text
    assert_unknown(await client.get(path, params={"limit": "1", "page": "2"}), "page")


async def test_every_unknown_parameter_is_named_once_in_order(
    client: Client, world: dict[str, str]
) -> None:
    response = await client.get(
        "/api/v1/cohorts",
        params=[("zeta", "1"), ("limit", "5"), ("alpha", "x"), ("zeta", "2"), ("From", FROM)],
    )
    assert_unknown(response, "From", "alpha", "zeta")


async def test_a_parameter_name_is_not_its_python_name(
    client: Client, world: dict[str, str]
) -> None:
    """`from`/`to` are the names; `start`/`end` are only the handler's arguments."""
    response = await client.get(
        "/api/v1/me/busy", params={"start": FROM, "end": TO}, headers=bearer(world["teacher"])
    )
    assert_unknown(response, "end", "start")


def api_operations() -> list[tuple[str, str]]:
    """Every method and path the app serves under /api/v1 (OPTIONS is Litestar's own)."""
    app = create_app(Settings())
    return sorted(
        (method, route.path)
        for route in app.routes
        if route.path.startswith("/api/v1/")
        for handler in getattr(route, "route_handlers", [])
        for method in handler.http_methods
        if method != "OPTIONS"
    )


def concrete(path: str, world: dict[str, str]) -> str:
    ids = {
        "delivery_id": "no-such-delivery",
        "token_id": "no-such-token",
        "user_id": "nobody",
        "school_id": "no-such-school",
    }
    ids |= world
    return re.sub(r"\{(\w+):\w+\}", lambda m: ids[m.group(1)], path)


OPERATIONS = api_operations()


def unknown_refused(response: httpx.Response) -> bool:
    try:
        assert_unknown(response, "bogus")
    except AssertionError:
        return False
    return True


async def test_every_api_endpoint_refuses_an_unknown_parameter(
    client: Client, world: dict[str, str]
) -> None:
    """As the admin, who passes every guard: reads and writes alike answer 400 first. One test
    over every operation (a world per operation would cost a second each, every CI run)."""
    assert len(OPERATIONS) > 30, OPERATIONS  # the routes were found
    wrong = {}
    for method, path in OPERATIONS:
        response = await client.request(
            method,
            concrete(path, world),
            params=UNKNOWN,
            headers=bearer(world["admin"]),
            json={} if method in BODY_METHODS else None,
        )
        if not unknown_refused(response):
            wrong[f"{method} {path}"] = (response.status_code, response.text[:200])
    assert not wrong, wrong


async def test_a_refused_write_changes_nothing(client: Client, world: dict[str, str]) -> None:
    url = f"/api/v1/bookings/{world['booking_id']}"
    headers = bearer(world["teacher"])
    assert_unknown(await client.delete(url, params=UNKNOWN, headers=headers), "bogus")
    assert (await client.get(url, headers=headers)).json()["status"] == "confirmed"


GUARDED = [
    ("GET", "/api/v1/admin/notifications", None, 401),
    ("GET", "/api/v1/admin/notifications", "teacher", 403),
    ("GET", "/api/v1/me/bookings", None, 401),
    ("GET", "/api/v1/me/busy", None, 401),
    ("GET", "/api/v1/trainers/{trainer_id}/free-slots", None, 401),
    ("GET", "/api/v1/cohorts/{cohort_id}/roster", None, 401),
    # Role guards on the handler rather than the controller answer first too.
    ("POST", "/api/v1/hubs", None, 401),
    ("POST", "/api/v1/hubs", "teacher", 403),
    ("PATCH", "/api/v1/venues/{venue_id}", "trainer", 403),
    ("DELETE", "/api/v1/sessions/{session_id}", "teacher", 403),
]


async def test_the_guards_answer_before_the_unknown_parameter(
    client: Client, world: dict[str, str]
) -> None:
    answers = {}
    for method, path, who, _ in GUARDED:
        response = await client.request(
            method,
            filled(path, world),
            params=UNKNOWN,
            headers=bearer(world[who]) if who else {},
            json={} if method in BODY_METHODS else None,
        )
        answers[(method, path, who)] = response.status_code
    assert answers == {(m, p, w): status for m, p, w, status in GUARDED}


PASSED_THROUGH = [
    "/health",
    "/ready",
    "/schema/openapi.json",
    "/feeds/hubs/{hub_id}.ics",
    "/",
    "/cohorts/{cohort_id}",
]


async def test_feeds_pages_and_probes_ignore_unknown_parameters(
    client: Client, world: dict[str, str]
) -> None:
    """Calendar apps and browsers add their own parameters (cache busters, trackers)."""
    answers = {}
    for path in PASSED_THROUGH:
        response = await client.get(filled(path, world), params={"utm_source": "x", "_": "1"})
        answers[path] = response.status_code
    assert answers == dict.fromkeys(PASSED_THROUGH, 200)
