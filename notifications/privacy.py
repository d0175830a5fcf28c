"""Mail and personal data: a person's mail for their export, erasing them from the delivery
rows, and deleting mail bodies a while after they were sent (docs/contract.md, Accounts, tokens and
privacy). Reached from booking through the booking.ports.Deliveries port; the retention job is
run by booking.background.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking.clock import Clock
from booking.database import unit_of_work
from booking.ports import DeliveryStatus
from notifications.models import Delivery

BODY_RETENTION = timedelta(days=30)
ERASED = "erased"
# A sweep deletes at most this many bodies per statement, so it never holds a long lock.
SWEEP_BATCH = 500


def _theirs(user_id: str, email: str) -> ColumnElement[bool]:
    return or_(Delivery.user_id == user_id, Delivery.recipient == email)


async def erase_person(db_session: AsyncSession, user_id: str, email: str) -> None:
    """Unsent mail goes (pending or failed: nobody may retry a mail to an erased address);
    sent mail keeps kind, subject and times. The key and the last error can hold the address,
    so they go too."""
    await db_session.execute(
        delete(Delivery).where(_theirs(user_id, email), Delivery.status != DeliveryStatus.SENT)
    )
    await db_session.execute(
        update(Delivery)
        .where(_theirs(user_id, email))
        .values(
            recipient=ERASED,
            key=Delivery.id,  # unique, like the key it replaces, and says nothing of anyone
            message=None,
            last_error=None,
            user_id=None,
        )
        .execution_options(synchronize_session=False)
    )


async def delete_old_bodies(sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Retention: the body of a mail sent more than 30 days ago is deleted; the row stays."""
    deleted = 0
    while True:
        async with sessionmaker() as db_session, unit_of_work(db_session):
            cutoff: datetime = clock.now() - BODY_RETENTION
            ids = (
                await db_session.scalars(
                    select(Delivery.id)
                    .where(
                        Delivery.status == DeliveryStatus.SENT,
                        Delivery.sent_at < cutoff,
                        Delivery.message.is_not(None),
                    )
                    .limit(SWEEP_BATCH)
                )
            ).all()
            if ids:
                await db_session.execute(
                    update(Delivery).where(Delivery.id.in_(ids)).values(message=None)
                )
        deleted += len(ids)
        if len(ids) < SWEEP_BATCH:
            return deleted
