"""From a domain event to the mails and reminder rows it causes (API.md, Email).

Every handler runs inside the transaction that marks its event dispatched, and every mail it
queues has the key (event, recipient, kind): running a handler twice queues nothing twice.
Mails describe the data as it is when the event is handled (an invite carries the session's
current SEQUENCE), which is what calendar clients need to keep the newest version.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import Booking, BookingStatus, Cohort, CohortStatus, OutboxEvent, User, Venue
from calendars.ical import Person
from notifications import compose, loading, reminders
from notifications.content import CohortInfo, MailContext, SessionInfo
from notifications.deliveries import Draft, queue

Handler = Callable[[AsyncSession, OutboxEvent, MailContext], Awaitable[None]]


async def handle(db_session: AsyncSession, event: OutboxEvent, ctx: MailContext) -> None:
    handler = HANDLERS.get(event.kind)
    if handler is not None:
        await handler(db_session, event, ctx)


class _Teacher:
    """The booking an event is about, its teacher and cohort, loaded once."""

    def __init__(self, booking: Booking, teacher: User, cohort: CohortInfo) -> None:
        self.booking = booking
        self.user = teacher
        self.person = Person(email=teacher.email, name=teacher.name)
        self.cohort = cohort

    def draft(self, event: OutboxEvent, kind: str, compose_mail: Callable[..., Any]) -> Draft:
        return Draft(
            key=f"{event.id}:{self.person.email}:{kind}",
            kind=kind.split(":", 1)[0],
            to=self.person,
            compose=compose_mail,
            user_id=self.user.id,
            event_id=event.id,
            booking_id=self.booking.id,
        )


async def _teacher(db_session: AsyncSession, event: OutboxEvent) -> _Teacher | None:
    booking = await db_session.get(Booking, str(event.payload["booking_id"]))
    if booking is None:
        return None
    teacher = await db_session.get(User, booking.teacher_id)
    cohort = await loading.cohort_info(db_session, booking.cohort_id)
    if teacher is None or cohort is None:
        return None
    return _Teacher(booking, teacher, cohort)


def _upcoming(sessions: Sequence[SessionInfo], at: datetime) -> list[SessionInfo]:
    return [s for s in sessions if s.ends_at > at]


async def booking_confirmed(db_session: AsyncSession, event: OutboxEvent, ctx: MailContext) -> None:
    """A REQUEST invite per session (API.md: one mail per session), then the reminder rows."""
    found = await _teacher(db_session, event)
    if found is None:
        return
    promoted = bool(event.payload.get("promoted", False))
    # The sessions the seat covered when it was confirmed; one added since is announced by its
    # own event (API.md: every session reaches every attendee once).
    covered = _ids(event, "session_ids")
    sessions = [s for s in found.cohort.sessions if covered is None or s.id in covered]
    for session in _upcoming(sessions, event.created_at):
        mail = partial(
            compose.booking_confirmed,
            ctx=ctx,
            to=found.person,
            cohort=found.cohort,
            session=session,
            promoted=promoted,
        )
        draft = found.draft(event, f"booking_confirmed:{session.id}", mail)
        await queue(db_session, _for_session(draft, session), event.created_at)
    await reminders.sync(db_session, found.booking, since=event.created_at)


async def booking_waitlisted(
    db_session: AsyncSession, event: OutboxEvent, ctx: MailContext
) -> None:
    found = await _teacher(db_session, event)
    if found is None:
        return
    mail = partial(
        compose.waitlisted,
        ctx=ctx,
        to=found.person,
        cohort=found.cohort,
        position=int(str(event.payload["position"])),
    )
    await queue(db_session, found.draft(event, "waitlisted", mail), event.created_at)


async def booking_offered(db_session: AsyncSession, event: OutboxEvent, ctx: MailContext) -> None:
    found = await _teacher(db_session, event)
    if found is None:
        return
    mail = partial(
        compose.offered,
        ctx=ctx,
        to=found.person,
        cohort=found.cohort,
        booking_id=found.booking.id,
        expires_at=datetime.fromisoformat(str(event.payload["offer_expires_at"])),
    )
    await queue(db_session, found.draft(event, "offered", mail), event.created_at)


async def offer_expired(db_session: AsyncSession, event: OutboxEvent, ctx: MailContext) -> None:
    found = await _teacher(db_session, event)
    if found is None:
        return
    mail = partial(compose.offer_expired, ctx=ctx, to=found.person, cohort=found.cohort)
    await queue(db_session, found.draft(event, "offer_expired", mail), event.created_at)


async def booking_cancelled(db_session: AsyncSession, event: OutboxEvent, ctx: MailContext) -> None:
    """CANCEL for every upcoming session of a booking that held a seat (its invites went out);
    a plain notice for a waitlisted or offered one. A cohort cancellation says so and why."""
    found = await _teacher(db_session, event)
    if found is None:
        return
    by_cohort = event.payload.get("by") == "cohort_cancelled"
    if event.payload.get("previous_status") == BookingStatus.CONFIRMED.value:
        sessions = await loading.cohort_sessions_any_status(db_session, found.booking.cohort_id)
        for session in _upcoming(sessions, event.created_at):
            if session.cancelled and not by_cohort:
                continue  # its own cancellation went out when the session was cancelled
            mail = (
                partial(compose.cohort_cancelled, session=session)
                if by_cohort
                else partial(
                    compose.booking_cancelled,
                    session=session,
                    late=bool(event.payload.get("late", False)),
                )
            )
            bound = partial(mail, ctx=ctx, to=found.person, cohort=found.cohort)
            draft = found.draft(event, f"booking_cancelled:{session.id}", bound)
            await queue(db_session, _for_session(draft, session), event.created_at)
    else:
        notice = compose.cohort_cancelled_notice if by_cohort else compose.left_waitlist
        mail = partial(notice, ctx=ctx, to=found.person, cohort=found.cohort)
        await queue(db_session, found.draft(event, "booking_cancelled", mail), event.created_at)
    await reminders.sync(db_session, found.booking, since=event.created_at)


async def session_added(db_session: AsyncSession, event: OutboxEvent, ctx: MailContext) -> None:
    """Someone already booked gets the new session in their calendar and its reminders."""
    cohort = await db_session.get(Cohort, str(event.payload["cohort_id"]))
    if cohort is None or cohort.status is not CohortStatus.PUBLISHED:
        return
    await _to_attendees(db_session, event, ctx, "session_added", compose.session_added)


async def session_rescheduled(
    db_session: AsyncSession, event: OutboxEvent, ctx: MailContext
) -> None:
    before = event.payload["before"]
    if not isinstance(before, dict):
        return
    venue = await db_session.get(Venue, str(before["venue_id"]))
    mail = partial(
        compose.session_rescheduled,
        before_starts_at=datetime.fromisoformat(str(before["starts_at"])),
        before_ends_at=datetime.fromisoformat(str(before["ends_at"])),
        before_venue_name=venue.name if venue is not None else "",
    )
    await _to_attendees(db_session, event, ctx, "session_rescheduled", mail)


async def session_details_changed(
    db_session: AsyncSession, event: OutboxEvent, ctx: MailContext
) -> None:
    """Same time, new LOCATION (a venue renamed or moved): the invite again, higher SEQUENCE."""
    before = event.payload.get("before")
    if not isinstance(before, dict):
        before = {}
    mail = partial(
        compose.session_details_changed,
        before_venue_name=str(before.get("venue_name", "")),
        before_venue_address=str(before.get("venue_address", "")),
        before_venue_postcode=str(before.get("venue_postcode", "")),
    )
    await _to_attendees(db_session, event, ctx, "session_details_changed", mail)


async def session_cancelled(db_session: AsyncSession, event: OutboxEvent, ctx: MailContext) -> None:
    await _to_attendees(db_session, event, ctx, "session_cancelled", compose.session_cancelled)
    await reminders.drop_for_session(db_session, str(event.payload["session_id"]))


async def _to_attendees(
    db_session: AsyncSession,
    event: OutboxEvent,
    ctx: MailContext,
    kind: str,
    compose_mail: Callable[..., Any],
) -> None:
    """One mail per confirmed attendee about one session, then their reminders re-derived."""
    session = await loading.session_info(db_session, str(event.payload["session_id"]))
    cohort = await loading.cohort_info(db_session, str(event.payload["cohort_id"]))
    if session is None or cohort is None:
        return
    # A session cancelled since a reschedule or an addition gets its CANCEL from that event.
    wants_live = kind != "session_cancelled"
    # Who was confirmed when it happened: someone confirmed later gets the session's current
    # state with their own confirmation instead.
    named = _ids(event, "booking_ids")
    for booking, teacher in await loading.confirmed_attendees(db_session, cohort.id):
        if named is not None and booking.id not in named:
            continue
        if wants_live == (not session.cancelled):
            person = Person(email=teacher.email, name=teacher.name)
            mail = partial(compose_mail, ctx=ctx, to=person, cohort=cohort, session=session)
            draft = _Teacher(booking, teacher, cohort).draft(event, kind, mail)
            await queue(db_session, _for_session(draft, session), event.created_at)
        await reminders.sync(db_session, booking, since=event.created_at)


async def cohort_updated(db_session: AsyncSession, event: OutboxEvent, _ctx: MailContext) -> None:
    """New reminder offsets apply to everyone already booked."""
    fields = event.payload.get("fields")
    if not isinstance(fields, list) or "reminder_offsets" not in fields:
        return
    for booking, _teacher_row in await loading.confirmed_attendees(
        db_session, str(event.payload["cohort_id"])
    ):
        await reminders.sync(db_session, booking, since=event.created_at)


def _ids(event: OutboxEvent, key: str) -> set[str] | None:
    """A list of ids the event recorded, or None when it recorded none (then: everyone now)."""
    value = event.payload.get(key)
    return {str(v) for v in value} if isinstance(value, list) else None


def _for_session(draft: Draft, session: SessionInfo) -> Draft:
    return replace(draft, session_id=session.id)


# Events with no mail of their own: SeatFreed (a promotion event follows), CohortPublished,
# CohortCancelled (each booking's BookingCancelled carries it), OfferDeclined (the teacher's own
# answer, shown to them at once).
HANDLERS: dict[str, Handler] = {
    "BookingConfirmed": booking_confirmed,
    "BookingWaitlisted": booking_waitlisted,
    "BookingOffered": booking_offered,
    "OfferExpired": offer_expired,
    "BookingCancelled": booking_cancelled,
    "SessionAdded": session_added,
    "SessionRescheduled": session_rescheduled,
    "SessionDetailsChanged": session_details_changed,
    "SessionCancelled": session_cancelled,
    "CohortUpdated": cohort_updated,
}
