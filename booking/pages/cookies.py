"""The cookies the pages set, and their flags."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from litestar.datastructures import Cookie


@dataclass(frozen=True, slots=True)
class CookiePolicy:
    """HttpOnly and SameSite=Lax always; Secure, with the `__Host-` prefix, under https.

    `__Host-` makes the browser refuse the cookie unless it is Secure, host-only and for path
    `/`, so a sibling subdomain cannot plant a session or a CSRF cookie of its own.
    """

    secure: bool

    @classmethod
    def for_base_url(cls, base_url: str) -> CookiePolicy:
        return cls(secure=urlsplit(base_url).scheme == "https")

    @property
    def prefix(self) -> str:
        return "__Host-" if self.secure else ""

    @property
    def session_name(self) -> str:
        return f"{self.prefix}booking_session"

    @property
    def csrf_name(self) -> str:
        return f"{self.prefix}booking_csrf"

    def cookie(self, name: str, value: str) -> Cookie:
        """No Max-Age: the cookie ends with the browser session."""
        return Cookie(
            key=name, value=value, path="/", httponly=True, samesite="lax", secure=self.secure
        )

    def expired(self, name: str) -> Cookie:
        return Cookie(
            key=name,
            value="",
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure,
            max_age=0,
            expires=0,
        )
