"""Booking's time-based work (docs/architecture.md, Reminders and due work): each job is one pass
over rows that came due, claimed under locks, safe to run in every process at once.

The timer that calls them lives in booking.background; nothing here knows about mail.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from booking.database import unit_of_work
from booking.repositories import outbox as outbox_repo
from booking.repositories import tokens as token_repo
from booking.repositories import users as user_repo
from booking.runtime import Runtime
from booking.services.seating import Seating
from booking.services.timetables import TimetableService

# How often every process looks for work left by others (offers to expire, events, reminders,
# retries); the timer also wakes it after each commit with events and at the next due time.
DISPATCH_POLL_SECONDS = 2.0
# Linked timetables are refreshed every few hours; this is only how often we look for due ones.
TIMETABLE_POLL_SECONDS = 60.0
# Retention sweeps: often enough that nothing outlives its promise by more than this.
RETENTION_POLL_SECONDS = 600.0
# A sign-in code is kept while it counts against its address's hourly limit, then deleted:
# well inside the 24 hours the contract allows (docs/contract.md, Accounts, tokens and privacy).
CODE_RETENTION = timedelta(hours=1)


async def expire_offers(runtime: Runtime) -> int:
    """Offers and approvals past their time, then promotions left for a teacher who was busy."""
    seating = Seating(runtime.clock)
    async with runtime.sessionmaker() as db_session:
        done = await seating.expire_due_offers(db_session)
        done += await seating.expire_due_approvals(db_session)
        return done + await seating.retry_deferred_promotions(db_session)


async def next_due(runtime: Runtime) -> datetime | None:
    """When booking's next due work comes due (an offer's expiry, a deferred promotion)."""
    async with runtime.sessionmaker() as db_session:
        due = await outbox_repo.next_due(db_session)
        await db_session.rollback()
    return due


async def refresh_timetables(runtime: Runtime) -> int:
    """Linked calendars due for a fetch, then timetables whose kept window needs moving on."""
    service = TimetableService(runtime.clock, runtime.calendar_import)
    async with runtime.sessionmaker() as db_session:
        done = await service.refresh_due(
            db_session, allow_private=runtime.settings.timetable.allow_private_urls
        )
        return done + await service.move_windows(db_session)


async def delete_expired_personal_rows(runtime: Runtime) -> int:
    """Retention: sign-in codes past CODE_RETENTION, expired tokens and ended rate-limit windows.
    Deleting what another process deleted already changes nothing, so every process may run it."""
    async with runtime.sessionmaker() as db_session, unit_of_work(db_session):
        now = runtime.clock.now()
        deleted = await user_repo.delete_codes_issued_before(db_session, now - CODE_RETENTION)
        deleted += await token_repo.delete_expired(db_session, now)
    return deleted + await runtime.limits.storage.delete_ended()
