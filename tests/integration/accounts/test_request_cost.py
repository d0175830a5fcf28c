"""What the accounts work adds to a request: one statement for the rate limit, and the token
lookup stays one read (last_used_at is written at most once a minute)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event

from tests.support.factories import bearer
from tests.support.sign_in import signed_in

DML = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


class Statements:
    def __init__(self, client):
        self.engine = client.app.state.runtime.engine.sync_engine
        self.seen: list[str] = []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._note)
        return self.seen

    def __exit__(self, *_):
        event.remove(self.engine, "before_cursor_execute", self._note)

    def _note(self, _conn, _cursor, statement, *_args):
        if DML.match(statement):
            self.seen.append(" ".join(statement.split()))


def touching(statements, table):
    return [s for s in statements if re.search(rf"\b{table}\b", s)]


async def test_a_signed_in_read_costs_one_token_read_and_one_counter_bump(client, clock):
    [token] = await signed_in(client, ["t@example.org"])
    clock.advance(timedelta(seconds=30))
    with Statements(client) as statements:
        response = await client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    tokens = touching(statements, "api_token")
    assert len(tokens) == 1
    assert tokens[0].startswith("SELECT")
    counters = touching(statements, "rate_limit_counter")
    assert len(counters) == 1
    assert counters[0].startswith("INSERT")
    assert "RETURNING" in counters[0]


async def test_a_minute_later_the_token_read_is_followed_by_one_conditional_write(client, clock):
    [token] = await signed_in(client, ["t@example.org"])
    clock.advance(timedelta(minutes=1))
    with Statements(client) as statements:
        await client.get("/api/v1/me", headers=bearer(token))
    writes = [s for s in touching(statements, "api_token") if s.startswith("UPDATE")]
    assert len(writes) == 1
    assert "last_used_at <=" in writes[0]


async def test_a_signed_out_page_costs_one_counter_bump(client):
    with Statements(client) as statements:
        response = await client.get("/sign-in")
    assert response.status_code == 200
    assert len(touching(statements, "rate_limit_counter")) == 1
    assert touching(statements, "api_token") == []
