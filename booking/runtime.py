"""What a running app holds: settings, database, clock and the ports wired in by booking.app."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from booking.clock import Clock
from booking.ports import MailRecomposer, SignInMailer
from booking.settings import Settings


@dataclass(slots=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    mailer: SignInMailer
    head_revision: str
    secret_key: bytes
    # An admin's retry of a mail that was never composed composes it again (notifications).
    recompose_mail: MailRecomposer | None = None
