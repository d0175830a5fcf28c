"""Tokens for tests without the emailed code's round trip.

The round trip (code by mail, code for a token) has its own tests (tests/integration/api/
test_sign_in.py, tests/pages/test_sign_in.py, the browser journeys); everything else starts
from a signed-in person, issued here by the same AuthService.signed_in the code exchange ends
in, on the app's own database.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from booking.database import unit_of_work
from booking.runtime import Runtime
from booking.services.auth import AuthService
from booking.services.validation import normalise_email


def app_of(client: Any) -> Litestar:
    if isinstance(client, AsyncTestClient):
        return client.app
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    app = transport.app
    assert isinstance(app, Litestar)
    return app


async def tokens_on(runtime: Runtime, emails: list[str]) -> list[str]:
    auth = AuthService(runtime.clock, runtime.mailer, runtime.settings.accounts, runtime.limits)
    async with runtime.sessionmaker() as db_session, unit_of_work(db_session):
        return [
            (await auth.signed_in(db_session, normalise_email(email))).api_token for email in emails
        ]


async def signed_in(client: Any, emails: list[str]) -> list[str]:
    """API tokens for `emails` (teachers unless they already have an account), in order.

    An AsyncTestClient's app lives on its portal's event loop, so the work runs there; an app
    served on this loop (tests.support.race.serve_in_loop) is called directly.
    """
    runtime: Runtime = app_of(client).state.runtime
    if isinstance(client, AsyncTestClient):
        return await asyncio.to_thread(client.blocking_portal.call, tokens_on, runtime, emails)
    return await tokens_on(runtime, emails)
