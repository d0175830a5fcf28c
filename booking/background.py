"""The background of a process: booking's jobs and the notification dispatcher on one timer.

A composition root like booking.app (the two places that wire notifications in): `booking
serve` runs it beside the HTTP app, `booking worker` runs it alone. Every piece of work is rows
claimed under locks, so any number of processes may run it side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from booking import jobs
from booking.clock import Clock
from booking.repositories.mail_facts import MailFactsReader
from booking.runtime import Runtime
from booking.settings import Settings
from notifications.addresses import parse_mailbox
from notifications.content import MailContext
from notifications.dispatcher import Dispatcher
from notifications.mailer import message_id_domain
from notifications.messages import DEFAULT_SERVICE_NAME
from notifications.privacy import delete_old_bodies
from notifications.scheduler import Ticker
from notifications.transports import MailTransport


def mail_context(settings: Settings, clock: Clock) -> Callable[[], MailContext]:
    """What every notification mail of this process is sent with; `now` taken per pass."""
    sender = parse_mailbox(settings.mail.mail_from, "BOOKING_MAIL_FROM")
    base_url = settings.server.base_url.rstrip("/")
    domain = message_id_domain(base_url)

    def context() -> MailContext:
        return MailContext(
            sender_email=sender.addr_spec,
            sender_name=sender.display_name or DEFAULT_SERVICE_NAME,
            base_url=base_url,
            message_id_domain=domain,
            service_name=DEFAULT_SERVICE_NAME,
            now=clock.now(),
        )

    return context


class Background:
    """The dispatcher and booking's jobs; `start()` puts them on a timer, `run_once()` is one
    pass of everything due (what the timer runs, and what tests call to settle)."""

    def __init__(self, runtime: Runtime, transport: MailTransport) -> None:
        self.runtime = runtime
        self.dispatcher = Dispatcher(
            runtime.sessionmaker,
            transport,
            runtime.clock,
            runtime.settings.mail,
            mail_context(runtime.settings, runtime.clock),
            facts=MailFactsReader(),
        )
        self.ticker = Ticker(
            {
                "dispatch": (self.dispatch, jobs.DISPATCH_POLL_SECONDS),
                "refresh_timetables": (
                    partial(jobs.refresh_timetables, runtime),
                    jobs.TIMETABLE_POLL_SECONDS,
                ),
                "retention": (self.retention, jobs.RETENTION_POLL_SECONDS),
            }
        )
        self.started = False

    async def run_once(self) -> int:
        """Booking's due work (offers, deferred promotions), then events and mail."""
        done = await jobs.expire_offers(self.runtime)
        return done + await self.dispatcher.run()

    async def retention(self) -> int:
        """Booking's personal rows past their time, then mail bodies past theirs."""
        done = await jobs.delete_expired_personal_rows(self.runtime)
        return done + await delete_old_bodies(self.runtime.sessionmaker, self.runtime.clock)

    async def dispatch(self) -> int:
        """One pass, then the timer set for the next due moment."""
        done = await self.run_once()
        moments = [await self.dispatcher.next_due(), await jobs.next_due(self.runtime)]
        due = min((m for m in moments if m is not None), default=None)
        if due is not None:
            self.ticker.wake_in("dispatch", (due - self.runtime.clock.now()).total_seconds())
        return done

    def wake(self) -> None:
        """A commit wrote events: dispatch now (a no-op until started)."""
        if self.started:
            self.ticker.kick("dispatch")

    def start(self) -> None:
        self.ticker.start()
        self.started = True
        # Work that came due while no process was running (reminders, retries) goes out now.
        self.ticker.kick("dispatch")

    async def stop(self) -> None:
        if self.started:
            await self.ticker.stop()
