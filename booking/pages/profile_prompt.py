"""When the pages ask "Tell us about you" (/about-you).

The rule: a teacher whose profile is incomplete (name, job role or school
missing) is asked at most once per browser session, after signing in or before their first
booking. A session cookie set when /about-you is shown remembers the asking, so "Skip for now"
really skips: nothing is written to the account for a skip, and the next browser session asks
again until the details are there.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request

from booking.models import Role
from booking.pages.session import cookie_policy
from booking.schemas.users import UserRead

ASKED_COOKIE = "booking_asked_about_you"


def asked_cookie_name(request: Request[Any, Any, Any]) -> str:
    return f"{cookie_policy(request).prefix}{ASKED_COOKIE}"


def should_ask(request: Request[Any, Any, Any], user: UserRead) -> bool:
    """Teachers only: staff (trainers, hub admins, admins) have no school to give, and a school
    lead's name and school are set by whoever added them (they land on /school, where they work)."""
    return (
        user.role is Role.TEACHER
        and not user.profile_complete
        and asked_cookie_name(request) not in request.cookies
    )


def about_you_url(next_page: str) -> str:
    return f"/about-you?{urlencode({'next': next_page})}"
