"""Ports: what booking needs from the outside, implemented elsewhere and wired in by booking.app.

Booking never imports notifications (see DESIGN.md, Layout); it states what it needs here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from booking.models import Delivery


class MailUnavailableError(Exception):
    """The mail transport could not accept a message right now (SMTP down, disk full...)."""


class SignInMailer(Protocol):
    """Sends the one-time sign-in code to an address."""

    async def send_sign_in_code(self, email: str, code: str, valid_minutes: int) -> None:
        """Deliver the code or raise MailUnavailableError."""
        ...


class MailRecomposer(Protocol):
    """Composes a failed delivery's mail again from its event and the data as it is now."""

    async def __call__(self, db_session: AsyncSession, delivery: Delivery) -> bool:
        """True with `delivery.message` and `subject` replaced; False with the reason in
        `delivery.last_error`. Runs in the caller's transaction and writes nothing else."""
        ...
