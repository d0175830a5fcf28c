"""Mail deliveries as admins see them (docs/contract.md, Email). The stored message bytes never
leave."""

from __future__ import annotations

from datetime import datetime

from booking.ports import DeliveryStatus
from booking.schemas.common import Output


class DeliveryRead(Output):
    id: str
    kind: str
    recipient: str
    subject: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    booking_id: str | None
    session_id: str | None
    event_id: str | None


class DeliveryPage(Output):
    items: list[DeliveryRead]
    next_cursor: str | None
