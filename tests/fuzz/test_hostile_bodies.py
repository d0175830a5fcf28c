"""No request body makes a 5xx (docs/contract.md, Input rules), on every endpoint that takes one.

Every POST, PUT and PATCH under /api/v1 is found by walking the app's routes; a plausible body
for each is built from its schema in the app's own OpenAPI document (with the ids of a real
world: a hub, a published cohort a teacher booked), and hypothesis then spoils it: nesting
thousands deep, bytes that are not UTF-8, bodies that are not objects, huge numbers, wrong
types, unknown members, and every control character inside a text field. Whatever comes back
must not be a 5xx, and a text field holding a control character (other than TAB, LF or CR)
must never be accepted. One app and one world serve the whole module, on the database the run
uses (SQLite, or PostgreSQL in CI's second pass); a bounded number of examples per endpoint
keeps it to seconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import AsyncTestClient

from booking.app import create_app
from booking.clock import FrozenClock
from booking.database import create_engine, create_sessionmaker
from booking.settings import DatabaseSettings, MailSettings, ServerSettings, Settings
from tests.conftest import START, _empty_tables
from tests.support.engine import build_world, published_cohort, teacher_token
from tests.support.factories import bearer

pytestmark = pytest.mark.asyncio(loop_scope="module")

BODY_METHODS = ("POST", "PUT", "PATCH")
# Every C0 and C1 control, DEL, and the Unicode line and paragraph separators.
CONTROLS = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]]
TEXT_CONTROLS = frozenset("\t\n\r\u2028\u2029")  # allowed in multi-line text
EXAMPLES_PER_ENDPOINT = 30


class World:
    """The app under test and what the bodies refer to. Not a dataclass: hypothesis prints a
    failing call's arguments, and would print the whole OpenAPI document field by field."""

    def __init__(
        self,
        client: AsyncTestClient[Litestar],
        document: dict[str, Any],
        ids: dict[str, str],
        tokens: dict[str, str],
    ) -> None:
        self.client, self.document, self.ids, self.tokens = client, document, ids, tokens

    def __repr__(self) -> str:
        return "World(...)"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(database_url, tmp_path_factory) -> AsyncIterator[World]:
    engine = create_engine(DatabaseSettings(url=database_url))
    await _empty_tables(engine)
    clock = FrozenClock(START)
    mail_dir = tmp_path_factory.mktemp("hostile") / "mail"
    app = create_app(
        Settings(
            database=DatabaseSettings(url=database_url),
            mail=MailSettings(mail_dir=mail_dir, mail_from="Book SEND training <b@booking.test>"),
            server=ServerSettings(secret_key="hostile-bodies-secret-key-" + "x" * 32),
        ),
        clock=clock,
    )
    try:
        async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
            built = await build_world(client, create_sessionmaker(engine), clock)
            cohort = await published_cohort(client, built, clock.now() + timedelta(days=7))
            teacher = await teacher_token(client, "teacher@school.example")
            booked = await client.post(
                f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(teacher)
            )
            assert booked.status_code == 201, booked.text
            school = await client.post(
                "/api/v1/schools",
                json={
                    "urn": 100001,
                    "name": "Oakfield Primary",
                    "local_authority": "Manchester",
                    "phase": "Primary",
                    "postcode": "M1 1AA",
                },
                headers=bearer(built.admin),
            )
            assert school.status_code == 201, school.text
            spare = await client.post(
                "/api/v1/users",
                json={"email": "spare@school.example", "name": "Spare", "role": "teacher"},
                headers=bearer(built.admin),
            )
            assert spare.status_code == 201, spare.text
            ids = {
                "school_id": school.json()["id"],
                # Someone whose account the hostile bodies may change without harming the rest.
                "user_id": spare.json()["user"]["id"],
                "hub_id": built.hub["id"],
                "venue_id": built.venue["id"],
                "course_id": built.course["id"],
                "trainer_id": built.trainer["user"]["id"],
                "cohort_id": cohort["id"],
                "session_id": cohort["sessions"][0]["id"],
                "booking_id": booked.json()["id"],
                "delivery_id": "no-such-delivery",
            }
            document = (await client.get("/schema/openapi.json")).json()
            tokens = {"admin": built.admin, "teacher": teacher}
            yield World(client, document, ids, tokens)
    finally:
        await engine.dispose()


def body_operations() -> list[tuple[str, str]]:
    """Every method and path under /api/v1 that a body can be sent to (OPTIONS is Litestar's)."""
    app = create_app(Settings())
    return sorted(
        (method, route.path)
        for route in app.routes
        if route.path.startswith("/api/v1/")
        for handler in getattr(route, "route_handlers", [])
        for method in handler.http_methods
        if method in BODY_METHODS
    )


OPERATIONS = body_operations()
# The timetable takes text/calendar or JSON, so its body is read by hand and not described in
# the OpenAPI document: its seed is written here.
# Its two-week fields are in it, so that they are spoiled too.
SEEDS = {
    ("PUT", "/api/v1/me/timetable"): {
        "weekly": [{"day": "mon", "start": "09:00", "end": "10:00", "week": "a"}],
        "weeks": "ab",
        "week_a_starts": "2027-01-11",
        "inset_days": ["2027-02-03"],
    }
}


def who(path: str) -> str:
    """A teacher books and keeps a timetable; the admin passes every other guard."""
    return "teacher" if path.endswith("/bookings") or path.startswith("/api/v1/me") else "admin"


# --- a plausible body from the schema ------------------------------------------------------


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def plausible(schema: dict[str, Any], world: World, name: str = "") -> Any:  # noqa: PLR0911
    schema = resolve(schema, world.document)
    if "enum" in schema:
        return schema["enum"][0]
    for choice in ("oneOf", "anyOf"):
        if choice in schema:
            # The first alternative that is not null, with the constraints written beside it.
            options = [resolve(o, world.document) for o in schema[choice]]
            options = [o for o in options if o.get("type") != "null"]
            rest = {key: value for key, value in schema.items() if key != choice}
            return plausible(rest | options[0], world, name) if options else None
    kind = schema.get("type")
    if kind == "object":
        return {
            key: plausible(sub, world, key) for key, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [plausible(schema.get("items", {}), world, name)]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "string":
        return plausible_text(schema, world, name)
    return None


def plausible_text(schema: dict[str, Any], world: World, name: str) -> str:
    if name in world.ids:
        return world.ids[name]
    if schema.get("examples"):
        return str(schema["examples"][0])
    if schema.get("format") == "date-time":
        return (START + timedelta(days=9, hours=1)).isoformat()
    if schema.get("format") == "date":
        return "2027-03-01"
    return {"start": "09:00", "end": "10:00", "code": "123456"}.get(name, "Plain text")


def seed_for(method: str, path: str, world: World) -> Any:
    if (method, path) in SEEDS:
        return SEEDS[(method, path)]
    operation = world.document["paths"].get(re.sub(r":\w+\}", "}", path), {}).get(method.lower())
    body = (operation or {}).get("requestBody", {}).get("content", {}).get("application/json")
    return plausible(body["schema"], world) if body else None


# --- spoiling it ---------------------------------------------------------------------------


class Hostile:
    """A body to send. A plain class, so that hypothesis prints it by this short repr."""

    def __init__(self, body: bytes, *, forbidden_text: bool = False) -> None:
        self.body = body
        # A control character other than TAB/LF/CR was put in a text field: never accepted.
        self.forbidden_text = forbidden_text

    def __repr__(self) -> str:
        # A 60 KB body would only bury the interesting part of a report.
        shown = self.body if len(self.body) <= 300 else self.body[:150] + b"..." + self.body[-150:]
        return f"Hostile({shown!r}, {len(self.body)} bytes, forbidden_text={self.forbidden_text})"


def leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        return [leaf for key, sub in value.items() for leaf in leaves(sub, (*path, key))]
    if isinstance(value, list):
        return [leaf for i, sub in enumerate(value) for leaf in leaves(sub, (*path, i))]
    return [(path, value)]


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


def nested(opening: bytes, closing: bytes, levels: int) -> bytes:
    return opening * levels + b"1" + closing * levels


# Large values are built from small draws: hypothesis describes strategies and draws by their
# repr, and a strategy holding a 60 KB literal would be one.
deep = st.builds(
    nested, st.sampled_from([b"[", b'{"a":']), st.just(b"]"), st.integers(33, 6000)
).map(lambda body: body if body.startswith(b"[") else body.replace(b"]", b"}"))
non_objects = st.sampled_from([b"null", b"[]", b"[{}]", b"1", b'"x"', b"true", b"{", b"", b" "])
huge_numbers = st.sampled_from(
    [10**30, -(10**30), 2**63, -(2**63) - 1, 1e308, -1e308, 1.5, 0, -1]
) | st.integers(300, 4000).map(lambda digits: 10**digits)
wrong_types = st.one_of(
    st.none(),
    st.booleans(),
    huge_numbers,
    st.just([]),
    st.just({}),
    st.just([[[[[]]]]]),
    st.text(max_size=20),
    st.integers(2_000, 35_000).map(lambda size: "x" * size),
)
bad_utf8 = st.sampled_from(
    [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xc0\xaf"]
)


@st.composite
def hostile(draw: st.DrawFn, seed: Any) -> Hostile:
    text = json.dumps(seed).encode() if seed is not None else b"{}"
    kind = draw(st.sampled_from(["deep", "not an object", "not utf-8", "leaf", "text", "unknown"]))
    if kind == "deep":
        return Hostile(draw(deep))
    if kind == "not an object":
        return Hostile(draw(non_objects))
    if kind == "not utf-8":
        at = draw(st.integers(0, len(text)))
        return Hostile(text[:at] + draw(bad_utf8) + text[at:])
    targets = leaves(seed) if isinstance(seed, dict) else []
    if kind == "unknown" or not targets:
        body = dict(seed) if isinstance(seed, dict) else {}
        body[draw(st.sampled_from(["bogus", "__proto__", "data", ""]))] = draw(wrong_types)
        return Hostile(json.dumps(body).encode())
    path, value = draw(st.sampled_from(targets))
    if kind == "text" and isinstance(value, str):
        char = draw(st.sampled_from(CONTROLS))
        at = draw(st.integers(0, len(value)))
        spoilt = replaced(seed, path, value[:at] + char + value[at:])
        return Hostile(json.dumps(spoilt).encode(), forbidden_text=char not in TEXT_CONTROLS)
    return Hostile(json.dumps(replaced(seed, path, draw(wrong_types))).encode())


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@settings(
    max_examples=EXAMPLES_PER_ENDPOINT,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
async def test_no_body_makes_a_server_error(
    world: World, method: str, path: str, data: st.DataObject
) -> None:
    case = data.draw(hostile(seed_for(method, path, world)), label="body")
    url = re.sub(r"\{(\w+):\w+\}", lambda m: world.ids[m.group(1)], path)
    headers = bearer(world.tokens[who(path)]) | {"content-type": "application/json"}
    response = await world.client.request(method, url, content=case.body, headers=headers)
    assert response.status_code < 500, response.text
    if case.forbidden_text:
        assert response.status_code >= 400, response.text
