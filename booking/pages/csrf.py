"""Every form the pages serve carries a token; every unsafe request must send it back.

Why not Litestar's CSRFConfig: it is app-wide (the JSON API, which takes no cookies, gains
nothing from it), it needs its secret when the app is built while ours is loaded at start-up
(booking.secret_key), and its token is a plain double-submit cookie that anyone who can plant a
cookie could pair with a token of their own. Here the token is an HMAC, under the server's secret
key, of a random per-browser cookie *and* the session cookie: it cannot be computed without the
key, and it changes when someone signs in or out. The cookie is HttpOnly (the token reaches the
form from the server, never from script) and `__Host-` under https (booking.pages.cookies).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware.base import MiddlewareProtocol
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from booking.errors import ForbiddenError
from booking.pages.session import cookie_policy
from booking.runtime import Runtime

FIELD = "_csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANCHOR_LENGTH = 43  # secrets.token_urlsafe(32)
STATE_KEY = "csrf_token"


class CsrfError(ForbiddenError):
    code = "csrf_failed"
    title = "The form could not be sent"


def form_token(secret_key: bytes, anchor: str, session: str) -> str:
    message = f"csrf\x00{anchor}\x00{session}".encode()
    return hmac.new(secret_key, message, hashlib.sha256).hexdigest()


def csrf_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The token for this request's forms (set by the middleware)."""
    return str(connection.scope.get("state", {}).get(STATE_KEY, ""))


class CsrfMiddleware(MiddlewareProtocol):
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope, receive)
        runtime: Runtime = request.app.state.runtime
        policy = cookie_policy(request)
        anchor = request.cookies.get(policy.csrf_name, "")
        fresh = len(anchor) != ANCHOR_LENGTH
        if fresh:
            anchor = secrets.token_urlsafe(32)
        session = request.cookies.get(policy.session_name, "")
        expected = form_token(runtime.secret_key, anchor, session)
        scope.setdefault("state", {})[STATE_KEY] = expected
        if request.method not in SAFE_METHODS:
            # The form is parsed once and kept in the scope; the handler reads the same copy.
            sent = (await request.form()).get(FIELD)
            if fresh or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
                raise CsrfError("the form's security token is missing, old or not ours")

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                headers.add(
                    "set-cookie", policy.cookie(policy.csrf_name, anchor).to_header(header="")
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)
