"""booking.ports.Deliveries: the delivery rows as admins see them, and a failed one requeued.

The message bytes are deferred (and may not be loaded by accident): neither a list nor a retry
needs them, and a list of 200 mails with attachments would otherwise read megabytes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from booking.ports import DeliveryRecord, DeliveryStatus, MailFacts
from notifications import privacy
from notifications.content import MailContext
from notifications.models import Delivery
from notifications.recompose import recompose

_WITHOUT_MESSAGE = defer(Delivery.message, raiseload=True)


def record(delivery: Delivery) -> DeliveryRecord:
    return DeliveryRecord(
        id=delivery.id,
        kind=delivery.kind,
        recipient=delivery.recipient,
        subject=delivery.subject,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
        sent_at=delivery.sent_at,
        booking_id=delivery.booking_id,
        session_id=delivery.session_id,
        event_id=delivery.event_id,
    )


async def locked_row(db_session: AsyncSession, delivery_id: str) -> Delivery | None:
    """The row, locked to the end of the transaction (FOR UPDATE on PostgreSQL)."""
    return await db_session.scalar(
        select(Delivery)
        .where(Delivery.id == delivery_id)
        .options(_WITHOUT_MESSAGE)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


class DeliveryRows:
    def __init__(self, *, facts: MailFacts, context: Callable[[], MailContext]) -> None:
        # What composing a failed mail again needs (notifications.recompose).
        self._facts = facts
        self._context = context

    async def page(
        self,
        db_session: AsyncSession,
        *,
        status: DeliveryStatus | None,
        limit: int,
        after: str | None,
    ) -> tuple[list[DeliveryRecord], str | None]:
        """Ids are time-ordered, so `id < after ORDER BY id DESC` is newest first and stable
        while the dispatcher inserts new rows (they land before page one)."""
        stmt = select(Delivery).options(_WITHOUT_MESSAGE)
        if status is not None:
            stmt = stmt.where(Delivery.status == status)
        if after is not None:
            stmt = stmt.where(Delivery.id < after)
        rows = (await db_session.scalars(stmt.order_by(Delivery.id.desc()).limit(limit + 1))).all()
        items = [record(row) for row in rows[:limit]]
        return items, (items[-1].id if len(rows) > limit else None)

    async def requeue(
        self, db_session: AsyncSession, delivery_id: str, now: datetime
    ) -> DeliveryRecord | None:
        """A failed mail goes back in the queue, due now, with a fresh budget of attempts; a
        sent or pending one is left as it is (a pending one's sender may hold it right now).
        A failed mail that was never composed is composed again from its event first; if it
        still cannot be, it stays failed with the reason in last_error.

        The row is locked (PostgreSQL: FOR UPDATE, so a sender recording an attempt and a
        retry queue behind each other; SQLite's BEGIN IMMEDIATE already excludes writers)."""
        delivery = await locked_row(db_session, delivery_id)
        if delivery is None:
            return None
        if delivery.status is DeliveryStatus.FAILED:
            delivery.updated_at = now
            if await self._has_message(db_session, delivery.id) or await recompose(
                db_session, delivery, self._facts, self._context
            ):
                self._queue_again(delivery, now)
        return record(delivery)

    @staticmethod
    async def _has_message(db_session: AsyncSession, delivery_id: str) -> bool:
        """Whether the row holds a composed message, asked without reading the bytes."""
        size = await db_session.scalar(
            select(func.length(Delivery.message)).where(Delivery.id == delivery_id)
        )
        return bool(size)

    @staticmethod
    def _queue_again(delivery: Delivery, now: datetime) -> None:
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now
        delivery.attempts = 0
        # No sender holds a failed row; a lease left behind must not hold the retry up.
        delivery.claimed_until = None
        # last_error stays: until the next attempt records its own outcome it is the only
        # account of why the mail failed, and an admin looking at the queued row should still
        # see it.

    async def of_person(self, db_session: AsyncSession, user_id: str) -> list[DeliveryRecord]:
        rows = await db_session.scalars(
            select(Delivery)
            .options(_WITHOUT_MESSAGE)
            .where(Delivery.user_id == user_id)
            .order_by(Delivery.id.desc())
        )
        return [record(row) for row in rows]

    async def erase_person(self, db_session: AsyncSession, user_id: str, email: str) -> None:
        await privacy.erase_person(db_session, user_id, email)
