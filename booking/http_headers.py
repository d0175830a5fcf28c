"""Security headers on every response (docs/contract.md, Input rules), in one place.

They are added as the response leaves the application (Litestar's `before_send`), so a 404 for
an unknown address, an error page, a CSRF refusal or a problem+json from an exception handler
carries them like any other response; headers a handler set itself (the feeds'
`Referrer-Policy: no-referrer`) are kept.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar.datastructures import MutableScopeHeaders
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

# Pages have no inline script or style anywhere, so the policy can be strict; no framing
# (clickjacking); forms post only here.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000"  # a year; subdomains are not ours to speak for


def security_headers(base_url: str) -> BeforeMessageSendHookHandler:
    """The hook for `base_url`: Strict-Transport-Security only when it is https."""
    everywhere = {"x-content-type-options": "nosniff", "referrer-policy": "same-origin"}
    if urlsplit(base_url).scheme == "https":
        everywhere["strict-transport-security"] = HSTS
    pages = {
        "content-security-policy": PAGE_POLICY,
        # Pages show personal details and carry form tokens: never kept by a shared cache.
        "cache-control": "no-store",
    }

    async def add_headers(message: Message, _scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        wanted = everywhere
        if (headers.get("content-type") or "").startswith("text/html"):
            wanted = everywhere | pages
        for name, value in wanted.items():
            if name not in headers:
                headers[name] = value

    return add_headers
