"""From a domain event to the mails and reminder rows it causes (API.md, Email).

Every handler runs inside the transaction that marks its event dispatched, and every mail it
queues has the key (event, recipient, kind): running a handler twice queues nothing twice.
Mails describe the data as it is when the event is handled (an invite carries the session's
current SEQUENCE), which is what calendar clients need to keep the newest version.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from booking import events
from booking.models import Booking, BookingStatus, Cohort, CohortStatus, User, Venue
from calendars.ical import Person
from notifications import compose, loading, reminders
from notifications.content import CohortInfo, MailContext, SessionInfo
from notifications.deliveries import Draft, queue

E = TypeVar("E", bound=events.Event)
BookingE = TypeVar("BookingE", bound=events.BookingEvent)
SessionE = TypeVar("SessionE", bound=events.SessionEvent)


@dataclass(frozen=True, slots=True)
class Envelope(Generic[E]):
    """An event as the outbox row carried it: its row id (mail keys) and when it happened."""

    id: str
    created_at: datetime
    event: E


Handler = Callable[[AsyncSession, Envelope[Any], MailContext], Awaitable[None]]


async def handle(db_session: AsyncSession, envelope: Envelope[Any], ctx: MailContext) -> None:
    """Run the handler registered for the event's type (every type has one: see HANDLERS)."""
    await HANDLERS[type(envelope.event)](db_session, envelope, ctx)


class _Teacher:
    """The booking an event is about, its teacher and cohort, loaded once."""

    def __init__(self, booking: Booking, teacher: User, cohort: CohortInfo) -> None:
        self.booking = booking
        self.user = teacher
        self.person = Person(email=teacher.email, name=teacher.name)
        self.cohort = cohort

    def draft(self, event: Envelope[Any], kind: str, compose_mail: Callable[..., Any]) -> Draft:
        return Draft(
            key=f"{event.id}:{self.person.email}:{kind}",
            kind=kind.split(":", 1)[0],
            to=self.person,
            compose=compose_mail,
            user_id=self.user.id,
            event_id=event.id,
            booking_id=self.booking.id,
        )


async def _teacher(db_session: AsyncSession, event: Envelope[BookingE]) -> _Teacher | None:
    booking = await db_session.get(Booking, event.event.booking_id)
    if booking is None:
        return None
    teacher = await db_session.get(User, booking.teacher_id)
    cohort = await loading.cohort_info(db_session, booking.cohort_id)
    if teacher is None or cohort is None:
        return None
    return _Teacher(booking, teacher, cohort)


def _upcoming(sessions: Sequence[SessionInfo], at: datetime) -> list[SessionInfo]:
    return [s for s in sessions if s.ends_at > at]


async def booking_confirmed(
    db_session: AsyncSession, event: Envelope[events.BookingConfirmed], ctx: MailContext
) -> None:
    """A REQUEST invite per session (API.md: one mail per session), then the reminder rows."""
    found = await _teacher(db_session, event)
    if found is None:
        return
    promoted = event.event.promoted
    # The sessions the seat covered when it was confirmed; one added since is announced by its
    # own event (API.md: every session reaches every attendee once).
    covered = _ids(event.event.session_ids)
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
    db_session: AsyncSession, event: Envelope[events.BookingWaitlisted], ctx: MailContext
) -> None:
    found = await _teacher(db_session, event)
    if found is None:
        return
    mail = partial(
        compose.waitlisted,
        ctx=ctx,
        to=found.person,
        cohort=found.cohort,
        position=event.event.position,
    )
    await queue(db_session, found.draft(event, "waitlisted", mail), event.created_at)


async def booking_offered(
    db_session: AsyncSession, event: Envelope[events.BookingOffered], ctx: MailContext
) -> None:
    found = await _teacher(db_session, event)
    if found is None:
        return
    mail = partial(
        compose.offered,
        ctx=ctx,
        to=found.person,
        cohort=found.cohort,
        booking_id=found.booking.id,
        expires_at=event.event.offer_expires_at,
    )
    await queue(db_session, found.draft(event, "offered", mail), event.created_at)


async def offer_expired(
    db_session: AsyncSession, event: Envelope[events.OfferExpired], ctx: MailContext
) -> None:
    found = await _teacher(db_session, event)
    if found is None:
        return
    mail = partial(compose.offer_expired, ctx=ctx, to=found.person, cohort=found.cohort)
    await queue(db_session, found.draft(event, "offer_expired", mail), event.created_at)


async def booking_cancelled(
    db_session: AsyncSession, event: Envelope[events.BookingCancelled], ctx: MailContext
) -> None:
    """CANCEL for every upcoming session of a booking that held a seat (its invites went out);
    a plain notice for a waitlisted or offered one. A cohort cancellation says so and why."""
    found = await _teacher(db_session, event)
    if found is None:
        return
    by_cohort = event.event.by == "cohort_cancelled"
    if event.event.previous_status == BookingStatus.CONFIRMED.value:
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
                    late=event.event.late is True,
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


async def session_added(
    db_session: AsyncSession, event: Envelope[events.SessionAdded], ctx: MailContext
) -> None:
    """Someone already booked gets the new session in their calendar and its reminders."""
    cohort = await db_session.get(Cohort, event.event.cohort_id)
    if cohort is None or cohort.status is not CohortStatus.PUBLISHED:
        return
    await _to_attendees(db_session, event, ctx, "session_added", compose.session_added)


async def session_rescheduled(
    db_session: AsyncSession, event: Envelope[events.SessionRescheduled], ctx: MailContext
) -> None:
    before = event.event.before
    venue = await db_session.get(Venue, before.venue_id)
    mail = partial(
        compose.session_rescheduled,
        before_starts_at=before.starts_at,
        before_ends_at=before.ends_at,
        before_venue_name=venue.name if venue is not None else "",
    )
    await _to_attendees(db_session, event, ctx, "session_rescheduled", mail)


async def session_details_changed(
    db_session: AsyncSession, event: Envelope[events.SessionDetailsChanged], ctx: MailContext
) -> None:
    """Same time, new LOCATION (a venue renamed or moved): the invite again, higher SEQUENCE."""
    before = event.event.before
    mail = partial(
        compose.session_details_changed,
        before_venue_name=before.venue_name,
        before_venue_address=before.venue_address,
        before_venue_postcode=before.venue_postcode,
    )
    await _to_attendees(db_session, event, ctx, "session_details_changed", mail)


async def session_cancelled(
    db_session: AsyncSession, event: Envelope[events.SessionCancelled], ctx: MailContext
) -> None:
    await _to_attendees(db_session, event, ctx, "session_cancelled", compose.session_cancelled)
    await reminders.drop_for_session(db_session, event.event.session_id)


async def _to_attendees(
    db_session: AsyncSession,
    event: Envelope[SessionE],
    ctx: MailContext,
    kind: str,
    compose_mail: Callable[..., Any],
) -> None:
    """One mail per confirmed attendee about one session, then their reminders re-derived."""
    session = await loading.session_info(db_session, event.event.session_id)
    cohort = await loading.cohort_info(db_session, event.event.cohort_id)
    if session is None or cohort is None:
        return
    # A session cancelled since a reschedule or an addition gets its CANCEL from that event.
    wants_live = kind != "session_cancelled"
    # Who was confirmed when it happened: someone confirmed later gets the session's current
    # state with their own confirmation instead.
    named = _ids(event.event.booking_ids)
    for booking, teacher in await loading.confirmed_attendees(db_session, cohort.id):
        if named is not None and booking.id not in named:
            continue
        if wants_live == (not session.cancelled):
            person = Person(email=teacher.email, name=teacher.name)
            mail = partial(compose_mail, ctx=ctx, to=person, cohort=cohort, session=session)
            draft = _Teacher(booking, teacher, cohort).draft(event, kind, mail)
            await queue(db_session, _for_session(draft, session), event.created_at)
        await reminders.sync(db_session, booking, since=event.created_at)


async def cohort_updated(
    db_session: AsyncSession, event: Envelope[events.CohortUpdated], _ctx: MailContext
) -> None:
    """New reminder offsets apply to everyone already booked."""
    if "reminder_offsets" not in event.event.fields:
        return
    for booking, _teacher_row in await loading.confirmed_attendees(
        db_session, event.event.cohort_id
    ):
        await reminders.sync(db_session, booking, since=event.created_at)


async def no_mail(_db_session: AsyncSession, _event: Envelope[Any], _ctx: MailContext) -> None:
    """Events with no mail of their own: SeatFreed (a promotion event follows), CohortPublished,
    CohortCancelled (each booking's BookingCancelled carries it), OfferDeclined (the teacher's
    own answer, shown to them at once)."""


def _ids(value: list[str] | None) -> set[str] | None:
    """A list of ids the event recorded, or None when it recorded none (then: everyone now)."""
    return set(value) if value is not None else None


def _for_session(draft: Draft, session: SessionInfo) -> Draft:
    return replace(draft, session_id=session.id)


# Every event type has exactly one handler (tests/unit/notifications/test_handlers.py checks it).
HANDLERS: dict[type[events.Event], Handler] = {
    events.BookingConfirmed: booking_confirmed,
    events.BookingWaitlisted: booking_waitlisted,
    events.BookingOffered: booking_offered,
    events.OfferExpired: offer_expired,
    events.OfferDeclined: no_mail,
    events.BookingCancelled: booking_cancelled,
    events.SeatFreed: no_mail,
    events.CohortPublished: no_mail,
    events.CohortUpdated: cohort_updated,
    events.CohortCancelled: no_mail,
    events.SessionAdded: session_added,
    events.SessionRescheduled: session_rescheduled,
    events.SessionDetailsChanged: session_details_changed,
    events.SessionCancelled: session_cancelled,
}
