"""No input produces a 5xx, and every answer is what the OpenAPI document says: schemathesis
drives every operation of our own document against a served process, with valid and invalid
data, as an admin (who may reach every handler), and checks each response's status code, media
type, headers and body against the document
(docs/contract.md, Input rules: "No input produces a 500").

Bounded: 20 examples an operation, one to two minutes for the whole document on a slow, shared
machine. schemathesis's negative_data_rejection check is not run: the document puts bearer
security on every operation, public ones included, so that check expects a 401 from
/api/v1/hubs without a token; it can join once public operations say their token is optional."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.serialization import encode_json
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import make_url

from booking.app import create_app
from booking.settings import Settings
from tests.support.postgres import recreate_database
from tests.support.processes import (
    booking_env,
    free_port,
    run_booking,
    start_booking,
    stop,
    wait_ready,
)


@dataclass(frozen=True)
class Served:
    base_url: str
    admin_token: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("fuzz")
    url = os.environ.get("BOOKING_TEST_DATABASE_URL", "").strip()
    if make_url(url or "sqlite://").get_backend_name() == "postgresql":
        # The PostgreSQL pass fuzzes a served process on PostgreSQL, in a database of its own.
        url = (
            url.rsplit("/", 1)[0] + f"/booking_fuzz_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
        )
        asyncio.run(recreate_database(url))
    else:
        url = f"sqlite+aiosqlite:///{root / 'fuzz.db'}"
    env = booking_env(BOOKING_DATABASE_URL=url, BOOKING_MAIL_DIR=str(root / "mail"))
    assert run_booking("db", "upgrade", env=env).returncode == 0
    token = run_booking("create-admin", "fuzz@example.org", env=env).stdout.strip().splitlines()[-1]
    port = free_port()
    log = root / "serve.log"
    process = start_booking("serve", "--demo", "--port", str(port), env=env, log=log)
    try:
        wait_ready(f"http://127.0.0.1:{port}", process, log)
        yield Served(f"http://127.0.0.1:{port}", token)
        # Had a fuzzed call ended the admin's session, every later operation would have been
        # fuzzed signed out, reaching no handler past its guard.
        me = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert me.status_code == 200, me.text
    finally:
        stop(process)
    assert "Traceback" not in log.read_text(), log.read_text()


def openapi_document() -> dict[str, object]:
    # The same document the service serves at /schema/openapi.json, built without a server so
    # that pytest can collect one test per operation.
    # Encoded and decoded as the service does, so examples held as Structs become JSON too.
    return dict(json.loads(encode_json(create_app(Settings()).openapi_schema.to_schema())))


schema = schemathesis.openapi.from_dict(openapi_document())


# One pytest test per operation, named by its operationId. (schemathesis's own
# `@schema.parametrize()` gives every operation the same node id, which pytest-xdist collapses
# into one: the suite would fuzz a single operation.)
def operation_ids() -> list[str]:
    ids = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # our own document must be valid
        ids.append(str(result.ok().definition.raw["operationId"]))
    return sorted(ids)


OPERATION_IDS = operation_ids()


# These end the calling token's own session: each call gets a token of its own, so that the
# operations fuzzed after them still run signed in as the admin.
ENDS_OWN_SESSION = {"signOut", "eraseMe"}


def disposable_admin_token(served: Served) -> str:
    email = f"fuzz-{secrets.token_hex(6)}@example.org"
    created = httpx.post(
        f"{served.base_url}/api/v1/users",
        json={"email": email, "name": "Fuzz", "role": "admin"},
        headers={"Authorization": f"Bearer {served.admin_token}"},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["api_token"])


# Negative cases come with arbitrary extra headers. Those that are not HTTP at all (an empty or
# non-token name, a control character in a value) or that redefine the message's framing are
# refused by the HTTP server before the app sees them (uvicorn's text/plain "Invalid HTTP
# request received."), as any proxy in front would: they are not the app's input, so they go.
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
FRAMING = {"connection", "content-length", "expect", "host", "te", "trailer", "transfer-encoding"}


def sendable(name: str, value: object) -> bool:
    return (
        HEADER_NAME.fullmatch(name) is not None
        and name.lower() not in FRAMING
        and HEADER_VALUE.fullmatch(str(value)) is not None
    )


def test_every_operation_is_fuzzed() -> None:
    paths = openapi_document()["paths"]
    assert isinstance(paths, dict)
    methods = {"get", "put", "post", "patch", "delete"}
    assert len(OPERATION_IDS) == sum(len(methods & set(item)) for item in paths.values())


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
@given(data=st.data())
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_gives_a_server_error(
    operation_id: str, data: st.DataObject, served: Served
) -> None:
    # Valid and invalid data alike, as schemathesis's own parametrize generates by default.
    operation = schema.find_operation_by_id(operation_id)
    case = data.draw(st.one_of([operation.as_strategy(mode) for mode in GenerationMode]))
    for name in [n for n, v in (case.headers or {}).items() if not sendable(n, v)]:
        del case.headers[name]
    token = served.admin_token
    if operation_id in ENDS_OWN_SESSION:
        token = disposable_admin_token(served)
    case.call_and_validate(
        base_url=served.base_url,
        headers={"Authorization": f"Bearer {token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ],
    )
