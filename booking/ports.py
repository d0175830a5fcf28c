"""Ports: what booking needs from the outside, implemented elsewhere and wired in by booking.app.

Booking never imports notifications (see DESIGN.md, Layout); it states what it needs here.
"""

from __future__ import annotations

from typing import Protocol


class MailUnavailableError(Exception):
    """The mail transport could not accept a message right now (SMTP down, disk full...)."""


class SignInMailer(Protocol):
    """Sends the one-time sign-in code to an address."""

    async def send_sign_in_code(self, email: str, code: str, valid_minutes: int) -> None:
        """Deliver the code or raise MailUnavailableError."""
        ...
