"""Who is signed in to the pages: the session cookie holds an API token.

Signing in on a page runs the same exchange as `POST /api/v1/auth/token` and keeps the API token
it issues in an HttpOnly cookie, so a page request is identified exactly as a Bearer request is
(booking.auth.admit), and counted against the same request limit. Signing out deletes
that token.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from booking.auth import admit
from booking.pages.cookies import CookiePolicy
from booking.runtime import Runtime

# The pages router sets `exclude_from_auth` so the API's Bearer middleware passes them by; this
# middleware answers to its own key.
EXCLUDE_KEY = "exclude_from_page_auth"
MAX_TOKEN_LENGTH = 256


def cookie_policy(connection: ASGIConnection[Any, Any, Any, Any]) -> CookiePolicy:
    runtime: Runtime = connection.app.state.runtime
    return CookiePolicy.for_base_url(runtime.settings.server.base_url)


def session_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    token = connection.cookies.get(cookie_policy(connection).session_name)
    return token if token and len(token) <= MAX_TOKEN_LENGTH else None


class SessionCookieMiddleware(AbstractAuthenticationMiddleware):
    """A missing, stale or revoked cookie means "signed out", never an error page."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        token = session_token(connection)
        actor = await admit(connection, token)
        return AuthenticationResult(user=actor, auth=token if actor else None)
