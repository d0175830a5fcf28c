"""Mail deliveries for admins (API.md, Email): see what was sent or failed, requeue a failure.

The notifications dispatcher writes and sends these rows; this service only reads them and
puts a failed one back in the queue.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import AlreadySentError, NotFoundError
from booking.models import Delivery, DeliveryStatus, Role
from booking.ports import MailRecomposer
from booking.repositories import deliveries as delivery_repo
from booking.schemas.deliveries import DeliveryPage, DeliveryRead
from booking.services.actor import Actor


def delivery_read(delivery: Delivery) -> DeliveryRead:
    return DeliveryRead(
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


class DeliveryService:
    def __init__(self, clock: Clock, recompose: MailRecomposer | None = None) -> None:
        self.clock = clock
        self.recompose = recompose

    async def list(
        self,
        db_session: AsyncSession,
        actor: Actor,
        *,
        status: DeliveryStatus | None,
        limit: int,
        cursor: str | None,
    ) -> DeliveryPage:
        """Admins only; newest first, optionally of one status."""
        actor.require_role(Role.ADMIN)
        rows, next_cursor = await delivery_repo.list_deliveries(
            db_session, status=status, limit=limit, cursor=cursor
        )
        return DeliveryPage(items=[delivery_read(d) for d in rows], next_cursor=next_cursor)

    async def retry(self, db_session: AsyncSession, actor: Actor, delivery_id: str) -> DeliveryRead:
        """Admins only. A failed mail goes back in the queue, due now, with a fresh budget of
        attempts; a sent one is refused (409 already_sent), a pending one is already queued and
        is left as it is (its sender may hold a claim on it right now). A failed mail that was
        never composed is composed again from its event first; if it still cannot be, it stays
        failed with the reason in last_error."""
        actor.require_role(Role.ADMIN)
        async with unit_of_work(db_session):
            delivery = await delivery_repo.get_delivery_for_update(db_session, delivery_id)
            if delivery is None:
                raise NotFoundError("no such delivery")
            if delivery.status is DeliveryStatus.SENT:
                raise AlreadySentError("this mail was sent; it is not sent again")
            if delivery.status is not DeliveryStatus.FAILED:
                return delivery_read(delivery)
            now = self.clock.now()
            delivery.updated_at = now
            if await self._composed(db_session, delivery):
                delivery.status = DeliveryStatus.PENDING
                delivery.next_attempt_at = now
                delivery.attempts = 0
                # No sender holds a failed row; a lease left behind must not hold the retry up.
                delivery.claimed_until = None
                # last_error stays: until the next attempt records its own outcome it is the
                # only account of why the mail failed, and an admin looking at the queued row
                # should still see it.
        return delivery_read(delivery)

    async def _composed(self, db_session: AsyncSession, delivery: Delivery) -> bool:
        """Whether the row has a message to send, composing it again when it has none."""
        if await delivery_repo.has_message(db_session, delivery.id):
            return True
        if self.recompose is None:
            return False
        return await self.recompose(db_session, delivery)
