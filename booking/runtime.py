"""What a running process holds: settings, database, clock, the ports wired in by the composition
root, and the little state that belongs to one process (its rendered-feed cache)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from booking.clock import Clock
from booking.limiter import RateLimits
from booking.ports import Deliveries, SignInMailer
from booking.services.calendar_import import CalendarImport
from booking.services.feeds import RenderedFeeds
from booking.settings import Settings


@dataclass(slots=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    mailer: SignInMailer
    deliveries: Deliveries
    head_revision: str
    secret_key: bytes
    limits: RateLimits
    # Copied into every session this process opens (db_session.info): the switch the control
    # test turns the cohort row lock off with (repositories.cohorts.LOCK_COHORT_ROWS).
    session_info: dict[str, object] = field(default_factory=dict)
    rendered_feeds: RenderedFeeds = field(default_factory=RenderedFeeds)
    # The one thread this process reads teachers' calendars in (services.calendar_import).
    calendar_import: CalendarImport = field(default_factory=CalendarImport)
