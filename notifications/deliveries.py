"""Delivery rows: queued inside a handler's transaction, then sent and recorded one by one.

Exactly once (docs/contract.md, Email): a row is queued under a unique key, claimed with a lease
(`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises claims), and
marked sent in its own commit right after the SMTP server accepted it. A process killed
between those two steps leaves one row claimed; when the lease runs out another process sends
that one mail again, with the same Message-ID. Nothing else can repeat.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.clock import Clock
from booking.database import unit_of_work
from booking.ports import DeliveryStatus, MailUnavailableError
from booking.settings import MailSettings
from calendars.ical import Person
from notifications.addresses import parse_mailbox
from notifications.messages import POLICY
from notifications.models import Delivery
from notifications.transports import MailRejectedError, MailTransport

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)
SUBJECT_LENGTH = 400  # the column's
_ERROR_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Draft:
    """A mail a handler wants sent; composed only if its key is new."""

    key: str
    kind: str
    to: Person
    compose: Callable[[], EmailMessage]
    user_id: str | None = None
    event_id: str | None = None
    booking_id: str | None = None
    session_id: str | None = None


@dataclass(slots=True)
class Composed:
    """A draft's mail as stored: the bytes and subject, or the reason it could not be made."""

    data: bytes
    subject: str
    error: str | None


def compose_draft(draft: Draft) -> Composed:
    try:
        message = draft.compose()
        return Composed(message.as_bytes(policy=POLICY), str(message["Subject"]), None)
    except ValueError as exc:
        log.warning("delivery %s could not be composed: %s", draft.key, exc)
        return Composed(b"", f"({draft.kind})", f"cannot compose: {exc}")


@dataclass(slots=True)
class Recomposing:
    """Set while notifications.recompose re-runs a handler for one failed delivery: `queue`
    then composes only the draft with this key, into `composed`, and adds nothing."""

    key: str
    composed: Composed | None = None


RECOMPOSING: ContextVar[Recomposing | None] = ContextVar("recomposing", default=None)


async def queue(db_session: AsyncSession, draft: Draft, now: datetime) -> bool:
    """Add the delivery unless its key exists (a handler run twice queues nothing twice)."""
    return bool(await queue_all(db_session, [draft], now))


async def queue_all(db_session: AsyncSession, drafts: Sequence[Draft], now: datetime) -> int:
    """queue() for many drafts, their keys checked in one query; returns how many were new.
    While a failed mail is composed again (RECOMPOSING), only that draft is composed and
    nothing is added."""
    recomposing = RECOMPOSING.get()
    if recomposing is not None:
        for draft in drafts:
            if draft.key == recomposing.key:
                recomposing.composed = compose_draft(draft)
        return 0
    if not drafts:
        return 0
    taken = set(
        await db_session.scalars(
            select(Delivery.key).where(Delivery.key.in_([d.key for d in drafts]))
        )
    )
    new = [d for d in drafts if d.key not in taken]
    for draft in new:
        _add(db_session, draft, now)
    return len(new)


def _add(db_session: AsyncSession, draft: Draft, now: datetime) -> None:
    """A mail that cannot be composed (say, a name an old row let in that a header must refuse)
    is stored as failed with the reason, for an admin to see, instead of blocking the outbox."""
    composed = compose_draft(draft)
    status = DeliveryStatus.PENDING if composed.error is None else DeliveryStatus.FAILED
    db_session.add(
        Delivery(
            key=draft.key,
            kind=draft.kind,
            recipient=draft.to.email,
            user_id=draft.user_id,
            event_id=draft.event_id,
            booking_id=draft.booking_id,
            session_id=draft.session_id,
            subject=composed.subject[:SUBJECT_LENGTH],
            message=composed.data,
            status=status,
            attempts=0,
            next_attempt_at=now,
            last_error=composed.error,
            created_at=now,
            updated_at=now,
        )
    )


def backoff(attempts: int, base_seconds: float, rng: random.Random) -> timedelta:
    """Exponential with "equal jitter": half the step fixed, half random, so processes retrying
    the same outage spread out without ever retrying at once."""
    step = min(MAX_BACKOFF.total_seconds(), base_seconds * 2 ** (attempts - 1))
    return timedelta(seconds=step / 2 + rng.uniform(0, step / 2))


class DeliverySender:
    """Claims due deliveries, sends them over one transport session, records each at once."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        transport: MailTransport,
        clock: Clock,
        settings: MailSettings,
        *,
        batch: int = 20,
        rng: random.Random | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._transport = transport
        self._clock = clock
        self._settings = settings
        self._batch = batch
        self._lease = timedelta(seconds=settings.claim_seconds)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        # The envelope sender of every mail: the From address (bounces come back there).
        self._envelope_sender = parse_mailbox(settings.mail_from, "BOOKING_MAIL_FROM").addr_spec

    async def send_due(self) -> int:
        """One batch; returns how many rows it dealt with (sent, retried later or failed)."""
        claimed, lease_ends = await self._claim()
        if not claimed:
            return 0
        async with self._transport.session() as connection:
            for index, (delivery_id, recipient, data) in enumerate(claimed):
                if self._clock.now() >= lease_ends - self._lease / 2:
                    # A slow server: extend the claim on what is left, long before another
                    # process could take it over while this one is still sending.
                    lease_ends = await self._renew([d for d, _, _ in claimed[index:]])
                try:
                    await connection.send_raw(self._envelope_sender, recipient, _composed(data))
                except MailRejectedError as exc:
                    await self._record_failure(delivery_id, str(exc), final=True)
                except MailUnavailableError as exc:
                    await self._record_failure(delivery_id, str(exc), final=False)
                except ValueError as exc:  # a stored message the transport cannot send
                    await self._record_failure(delivery_id, f"cannot send: {exc}", final=True)
                else:
                    await self._record_sent(delivery_id)
        return len(claimed)

    async def _claim(self) -> tuple[list[tuple[str, str, bytes]], datetime]:
        async with self._sessionmaker() as db_session, unit_of_work(db_session):
            now = self._clock.now()
            rows = (
                await db_session.scalars(
                    select(Delivery)
                    .where(
                        Delivery.status == DeliveryStatus.PENDING,
                        Delivery.next_attempt_at <= now,
                        or_(Delivery.claimed_until.is_(None), Delivery.claimed_until <= now),
                    )
                    .order_by(Delivery.next_attempt_at, Delivery.id)
                    .limit(self._batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                row.claimed_until = now + self._lease
            # A pending row always has its message; `or b""` only satisfies the type.
            claimed = [(row.id, row.recipient, row.message or b"") for row in rows]
            return claimed, now + self._lease

    async def _record_sent(self, delivery_id: str) -> None:
        async with self._sessionmaker() as db_session, unit_of_work(db_session):
            now = self._clock.now()
            await db_session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(
                    status=DeliveryStatus.SENT,
                    sent_at=now,
                    attempts=Delivery.attempts + 1,
                    claimed_until=None,
                    last_error=None,
                    updated_at=now,
                )
            )

    async def _record_failure(self, delivery_id: str, error: str, *, final: bool) -> None:
        async with self._sessionmaker() as db_session, unit_of_work(db_session):
            row = await db_session.get(Delivery, delivery_id, with_for_update=True)
            if row is None:
                return
            now = self._clock.now()
            row.attempts += 1
            row.last_error = error[:_ERROR_LENGTH]
            row.claimed_until = None
            row.updated_at = now
            if final or row.attempts >= self._settings.max_attempts:
                row.status = DeliveryStatus.FAILED
                log.warning("delivery %s failed for good: %s", delivery_id, error)
            else:
                wait = backoff(row.attempts, self._settings.retry_base_seconds, self._rng)
                row.next_attempt_at = now + wait
                log.warning(
                    "delivery %s not sent (attempt %d), retrying in %ds: %s",
                    delivery_id,
                    row.attempts,
                    wait.total_seconds(),
                    error,
                )

    async def _renew(self, delivery_ids: list[str]) -> datetime:
        async with self._sessionmaker() as db_session, unit_of_work(db_session):
            lease_ends = self._clock.now() + self._lease
            await db_session.execute(
                update(Delivery)
                .where(Delivery.id.in_(delivery_ids), Delivery.status == DeliveryStatus.PENDING)
                .values(claimed_until=lease_ends)
            )
            return lease_ends


def _composed(data: bytes) -> bytes:
    if not data:
        raise ValueError("the message was never composed")
    return data
