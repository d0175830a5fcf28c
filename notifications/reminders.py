"""Reminder rows: one per (booking, session, offset), kept in step with the booking's state.

`sync` derives the rows from what is true now (the booking confirmed or not, its sessions and
the cohort's offsets), so running it twice, or for events handled out of order, gives the same
rows. `queue_due` turns due rows into deliveries under row locks, once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from functools import partial

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.ports import BookingInfo, CohortInfo, MailFacts, SessionInfo
from calendars.ical import Person
from notifications import compose
from notifications.content import MailContext
from notifications.deliveries import Draft, queue_all
from notifications.mail_layout import mailbox
from notifications.messages import readdressed
from notifications.models import Reminder, ReminderStatus


async def sync(
    db_session: AsyncSession, facts: MailFacts, booking_id: str, *, since: datetime
) -> None:
    """Make the booking's reminder rows match its state.

    `since` is when the change happened (the event's time): a reminder already due then is not
    created
    (docs/contract.md: "a reminder whose time has passed when the booking is confirmed is not
    sent"), and a moved one that lands before it is skipped rather than sent late.
    """
    existing = {
        (row.session_id, row.reminder_offset): row
        for row in await db_session.scalars(
            select(Reminder).where(Reminder.booking_id == booking_id)
        )
    }
    wanted = await facts.reminder_times(db_session, booking_id)
    for key, old in existing.items():
        if key not in wanted and old.status is ReminderStatus.PENDING:
            await db_session.delete(old)
    for (session_id, offset), due_at in wanted.items():
        row = existing.get((session_id, offset))
        if row is None:
            if due_at > since:
                db_session.add(
                    Reminder(
                        booking_id=booking_id,
                        session_id=session_id,
                        reminder_offset=offset,
                        due_at=due_at,
                        status=ReminderStatus.PENDING,
                        updated_at=since,
                    )
                )
        elif row.due_at != due_at:
            # The session moved: remind again for the new time if that is still ahead.
            row.due_at = due_at
            row.status = ReminderStatus.PENDING if due_at > since else ReminderStatus.SKIPPED
            row.updated_at = since


async def drop_for_session(db_session: AsyncSession, session_id: str) -> None:
    await db_session.execute(
        delete(Reminder).where(
            Reminder.session_id == session_id, Reminder.status == ReminderStatus.PENDING
        )
    )


async def queue_due(
    db_session: AsyncSession,
    facts: MailFacts,
    now: datetime,
    context: Callable[[], MailContext],
    *,
    batch: int = 100,
) -> int:
    """Turn due reminders into deliveries (inside the caller's transaction); returns how many
    rows it settled. A reminder whose session has already started is skipped: it came due
    while no process was running and is of no use now."""
    rows = (
        await db_session.scalars(
            select(Reminder)
            .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
            .order_by(Reminder.due_at, Reminder.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not rows:
        return 0
    # What the batch needs is read in a few queries, not five per row: a burst of reminders
    # (one session, all its attendees) shares its sessions and cohorts, and its mail.
    bookings = await facts.bookings(db_session, {row.booking_id for row in rows})
    sessions = await facts.sessions(db_session, {row.session_id for row in rows})
    cohorts = await facts.cohorts(db_session, {b.cohort_id for b in bookings.values()})
    mails = _Mails(context())
    drafts = []
    for row in rows:
        booking = bookings.get(row.booking_id)
        draft = await _settle(
            db_session,
            row,
            now,
            mails,
            booking=booking,
            session=sessions.get(row.session_id),
            cohort=None if booking is None else cohorts.get(booking.cohort_id),
        )
        if draft is not None:
            drafts.append(draft)
    await queue_all(db_session, drafts, now)
    return len(rows)


class _Mails:
    """Reminder mails of one batch. A reminder says the same to every attendee of a session
    (nothing in it is the recipient's but the To header), so it is composed once per session
    and offset, and readdressed for each further recipient with a Message-ID of its own."""

    def __init__(self, ctx: MailContext) -> None:
        self.ctx = ctx
        self._composed: dict[tuple[str, str], EmailMessage] = {}

    def reminder(
        self, to: Person, cohort: CohortInfo, session: SessionInfo, offset: str
    ) -> EmailMessage:
        template = self._composed.get((session.id, offset))
        if template is not None:
            return readdressed(template, mailbox(to), self.ctx.message_id_domain)
        message = compose.reminder(
            ctx=self.ctx, to=to, cohort=cohort, session=session, offset=offset
        )
        self._composed[(session.id, offset)] = message
        return message


async def _settle(
    db_session: AsyncSession,
    row: Reminder,
    now: datetime,
    mails: _Mails,
    *,
    booking: BookingInfo | None,
    session: SessionInfo | None,
    cohort: CohortInfo | None,
) -> Draft | None:
    """The reminder's mail to queue, or None when there is nothing to send (the row deleted or
    skipped as its booking and session now say)."""
    if booking is None or session is None:
        return None
    if not booking.confirmed or session.cancelled:
        await db_session.delete(row)
        return None
    if now >= session.starts_at:
        row.status, row.updated_at = ReminderStatus.SKIPPED, now
        return None
    teacher = booking.teacher
    if cohort is None or teacher is None:
        return None
    to = Person(email=teacher.email, name=teacher.name)
    row.status, row.updated_at = ReminderStatus.QUEUED, now
    return Draft(
        key=f"reminder:{row.booking_id}:{row.session_id}:{row.reminder_offset}:"
        f"{int(row.due_at.timestamp())}",
        kind="reminder",
        to=to,
        compose=partial(mails.reminder, to, cohort, session, row.reminder_offset),
        user_id=teacher.user_id,
        booking_id=booking.id,
        session_id=session.id,
    )
