"""Bearer-token authentication and role guards.

The middleware only identifies the caller (or nobody); guards and services decide what the
caller may do. An Authorization header that does not name a live token is a 401 everywhere,
so a client with a revoked token learns it at once instead of seeing public data.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import Guard
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import ForbiddenError, RateLimitedError, UnauthorizedError
from booking.models import Role
from booking.runtime import Runtime
from booking.services.actor import Actor
from booking.services.tokens import TokenService


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization")
        if header is None:
            await admit(connection, None)
            return AuthenticationResult(user=None, auth=None)
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > 256:  # noqa: PLR2004 - no token is that long
            await admit(connection, None)
            raise UnauthorizedError("use 'Authorization: Bearer <api_token>'")
        # Refused tokens count against the client address: guessing tokens is limited too.
        actor = await admit(connection, token)
        if actor is None:
            raise UnauthorizedError("the API token is not valid")
        return AuthenticationResult(user=actor, auth=token)


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's address for rate limits (X-Forwarded-For only from trusted proxies)."""
    runtime: Runtime = connection.app.state.runtime
    client = connection.scope.get("client")
    forwarded = ",".join(connection.headers.getall("x-forwarded-for", []))
    return runtime.limits.address_of(client[0] if client else None, forwarded)


async def admit(connection: ASGIConnection[Any, Any, Any, Any], token: str | None) -> Actor | None:
    """Who holds `token` (nobody for None or a dead token), with the request counted against
    BOOKING_REQUESTS_PER_MINUTE: per token, or per client address when signed out. Run by both
    ways in (the Bearer header here, the pages' cookie in booking.pages.session) before any
    handler.

    On PostgreSQL the lookup, the token's once-a-minute touch and the count share one pooled
    connection and one transaction: a rush waits on the pool more than on the CPU, and a second
    checkout (with its ping) per request cost it about a third (benchmarks/README.md, Issue 13).
    A refused request still counts: the count is committed before the 429 is raised."""
    runtime: Runtime = connection.app.state.runtime
    address = client_address(connection)
    async with runtime.sessionmaker() as db_session:
        actor = None if token is None else await _holder(runtime, db_session, token)
        token_id = actor.token_id if actor is not None else None
        if runtime.limits.counts_on_held_connections:
            async with runtime.limits.on(await db_session.connection()):
                try:
                    await runtime.limits.requests_by(token_id, address)
                except RateLimitedError:
                    await db_session.commit()
                    raise
            await db_session.commit()
            return actor
    await runtime.limits.requests_by(token_id, address)
    return actor


async def _holder(runtime: Runtime, db_session: AsyncSession, token: str) -> Actor | None:
    """An expired or revoked token, or a deactivated holder, is nobody."""
    return await TokenService(runtime.clock, runtime.settings.accounts).authenticate(
        db_session, token
    )


def current_actor(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Actor) else None


# Guards are coroutines: Litestar runs a plain function guard in a worker thread, a thread hop
# on every request for a check that only reads the scope.
async def requires_user(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    _signed_in(connection)


def _signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    actor = current_actor(connection)
    if actor is None:
        raise UnauthorizedError("this needs an API token")
    return actor


def requires_role(*roles: Role) -> Guard:
    """401 without a token, 403 with a token of another role."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        actor = _signed_in(connection)
        if actor.role not in roles:
            raise ForbiddenError(f"this needs the role {' or '.join(r.value for r in roles)}")

    return guard
