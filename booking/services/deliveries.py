"""Mail deliveries for admins (docs/contract.md, Email): see what was sent or failed, requeue a
failure. Notifications keeps the rows; this service reaches them through booking.ports.Deliveries.
"""

from __future__ import annotations

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import AlreadySentError, NotFoundError, ValidationError
from booking.models import Role
from booking.ports import Deliveries, DeliveryRecord, DeliveryStatus
from booking.repositories.pagination import decode_cursor, encode_cursor
from booking.schemas.deliveries import DeliveryPage, DeliveryRead
from booking.services.actor import Actor


def _can_be_an_id(value: str) -> bool:
    # PostgreSQL refuses a NUL in a text parameter with an error rather than finding no row;
    # no id we issue contains one, so such a value is answered here instead of becoming a 500.
    return "\x00" not in value


def delivery_read(delivery: DeliveryRecord) -> DeliveryRead:
    """The port's record as the API shows it: the same fields."""
    return msgspec.convert(delivery, DeliveryRead, from_attributes=True)


class DeliveryService:
    def __init__(self, clock: Clock, deliveries: Deliveries) -> None:
        self.clock = clock
        self.deliveries = deliveries

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
        after = None if cursor is None else decode_cursor(cursor)
        if after is not None and not _can_be_an_id(after):
            raise ValidationError.field("cursor", "is not a cursor this service gave out")
        rows, last = await self.deliveries.page(db_session, status=status, limit=limit, after=after)
        return DeliveryPage(
            items=[delivery_read(d) for d in rows],
            next_cursor=None if last is None else encode_cursor(last),
        )

    async def retry(self, db_session: AsyncSession, actor: Actor, delivery_id: str) -> DeliveryRead:
        """Admins only. A failed mail goes back in the queue, due now, with a fresh budget of
        attempts; a sent one is refused (409 already_sent), a pending one is already queued and
        is left as it is."""
        actor.require_role(Role.ADMIN)
        if not _can_be_an_id(delivery_id):
            raise NotFoundError("no such delivery")
        async with unit_of_work(db_session):
            delivery = await self.deliveries.requeue(db_session, delivery_id, self.clock.now())
            if delivery is None:
                raise NotFoundError("no such delivery")
            if delivery.status is DeliveryStatus.SENT:
                raise AlreadySentError("this mail was sent; it is not sent again")
        return delivery_read(delivery)
