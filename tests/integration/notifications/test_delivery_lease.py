"""A sender's claim outlives a slow batch: no other process can take over mail still being sent.

The transport is the real file transport, made slow by moving the frozen clock on every send;
a second sender (another process, as far as the rows can tell) tries to claim during each send.
"""

from __future__ import annotations

import email.policy
from datetime import timedelta

import msgspec
from sqlalchemy import select

from booking.ports import DeliveryStatus
from notifications.deliveries import DeliverySender
from notifications.messages import new_message
from notifications.models import Delivery
from notifications.transports import FileTransport

MAILS = 6
SECONDS_PER_SEND = 4.0
LEASE = 10.0  # shorter than the batch takes (6 x 4 s): only renewal keeps the rows claimed


class SlowFiles(FileTransport):
    def __init__(self, directory, clock, rival: DeliverySender) -> None:
        super().__init__(directory)
        self.clock = clock
        self.rival = rival
        self.rival_claims: list[int] = []

    async def send_raw(self, sender, recipient, data):
        self.clock.advance(timedelta(seconds=SECONDS_PER_SEND))
        claimed, _ = await self.rival._claim()
        self.rival_claims.append(len(claimed))
        await super().send_raw(sender, recipient, data)


async def queue_mails(sessionmaker, now):
    async with sessionmaker() as db_session, db_session.begin():
        for i in range(MAILS):
            message = new_message(
                sender="Book SEND training <bookings@booking.test>",
                to=f"t{i}@school.example",
                subject=f"Mail {i}",
                text="Hello",
                html=None,
                domain="booking.test",
            )
            db_session.add(
                Delivery(
                    key=f"lease-test-{i}",
                    kind="test",
                    recipient=f"t{i}@school.example",
                    subject=f"Mail {i}",
                    message=message.as_bytes(policy=email.policy.SMTP),
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )


async def test_a_slow_batch_renews_its_claim_so_no_rival_sends_the_same_mail(
    sessionmaker, clock, settings, tmp_path
):
    mail = msgspec.structs.replace(settings.mail, claim_seconds=LEASE)
    rival = DeliverySender(sessionmaker, FileTransport(tmp_path / "rival"), clock, mail)
    transport = SlowFiles(tmp_path / "mail", clock, rival)
    sender = DeliverySender(sessionmaker, transport, clock, mail, batch=MAILS)
    await queue_mails(sessionmaker, clock.now())

    assert await sender.send_due() == MAILS

    assert transport.rival_claims == [0] * MAILS
    assert len(list((tmp_path / "mail").glob("*.eml"))) == MAILS
    async with sessionmaker() as db_session:
        rows = (await db_session.scalars(select(Delivery))).all()
    assert {(r.status, r.attempts, r.claimed_until) for r in rows} == {
        (DeliveryStatus.SENT, 1, None)
    }
