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

from booking.errors import ForbiddenError, UnauthorizedError
from booking.models import Role
from booking.repositories.users import get_user_by_token_hash
from booking.runtime import Runtime
from booking.security import hash_token
from booking.services.actor import Actor


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization")
        if header is None:
            return AuthenticationResult(user=None, auth=None)
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > 256:  # noqa: PLR2004 - no token is that long
            raise UnauthorizedError("use 'Authorization: Bearer <api_token>'")
        actor = await actor_for_token(connection.app.state.runtime, token)
        if actor is None:
            raise UnauthorizedError("the API token is not valid")
        return AuthenticationResult(user=actor, auth=token)


async def actor_for_token(runtime: Runtime, token: str) -> Actor | None:
    """Who holds this API token: the one lookup behind the Bearer header and the pages' cookie."""
    async with runtime.sessionmaker() as db_session:
        user = await get_user_by_token_hash(db_session, hash_token(token))
    if user is None:
        return None
    return Actor(id=user.id, email=user.email, role=user.role, hub_id=user.hub_id)


def current_actor(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Actor) else None


def requires_user(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if current_actor(connection) is None:
        raise UnauthorizedError("this needs an API token")


def requires_role(*roles: Role) -> Guard:
    """401 without a token, 403 with a token of another role."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        requires_user(connection, handler)
        actor = current_actor(connection)
        if actor is None or actor.role not in roles:
            raise ForbiddenError(f"this needs the role {' or '.join(r.value for r in roles)}")

    return guard
