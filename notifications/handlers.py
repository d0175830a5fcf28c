"""From a domain event to the mails and reminder rows it causes (docs/contract.md, Email).

Every handler runs inside the transaction that marks its event dispatched, and every mail it
queues has the key (event, recipient, kind): running a handler twice queues nothing twice.
Mails describe the data as it is when the event is handled (an invite carries the session's
current SEQUENCE), which is what calendar clients need to keep the newest version. What a mail
needs from booking comes through booking.ports.MailFacts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from booking import events
from booking.ports import BookingInfo, CohortInfo, MailFacts, Recipient, SessionInfo
from calendars.ical import Person
from calendars.school_day import during_school_day
from notifications import compose, reminders
from notifications.content import MailContext
from notifications.deliveries import Draft, queue

E = TypeVar("E", bound=events.Event)
T = TypeVar("T")
BookingE = TypeVar("BookingE", bound=events.BookingEvent)
SessionE = TypeVar("SessionE", bound=events.SessionEvent)


@dataclass(frozen=True, slots=True)
class Envelope(Generic[E]):
    """An event as the outbox row carried it: its row id (mail keys) and when it happened."""

    id: str
    created_at: datetime
    event: E


@dataclass(frozen=True, slots=True)
class Read:
    """The bookings and cohorts a batch of events is about, read once for the whole batch
    (prefetch); None where one is gone. Handlers write only deliveries and reminders, so what
    was read at the start of the batch's transaction is what each handler would read."""

    bookings: dict[str, BookingInfo | None] = field(default_factory=dict)
    cohorts: dict[str, CohortInfo | None] = field(default_factory=dict)


async def prefetch(
    db_session: AsyncSession, facts: MailFacts, batch: Sequence[events.Event]
) -> Read:
    """One query for the batch's bookings and two for its cohorts, instead of three a handler."""
    booking_ids = {e.booking_id for e in batch if isinstance(e, events.BookingEvent)}
    bookings = await facts.bookings(db_session, booking_ids)
    cohort_ids = {b.cohort_id for b in bookings.values()}
    cohorts = await facts.cohorts(db_session, cohort_ids)
    return Read(
        bookings={i: bookings.get(i) for i in booking_ids},
        cohorts={i: cohorts.get(i) for i in cohort_ids},
    )


@dataclass(frozen=True, slots=True)
class Handling:
    """What every handler works with: the dispatcher's transaction, booking's facts, the
    process's mail context, and what was read for the batch already."""

    db_session: AsyncSession
    facts: MailFacts
    ctx: MailContext
    read: Read = field(default_factory=Read)


Handler = Callable[[Handling, Envelope[Any]], Awaitable[None]]


async def handle(handling: Handling, envelope: Envelope[Any]) -> None:
    """Run the handler registered for the event's type (every type has one: see HANDLERS)."""
    await HANDLERS[type(envelope.event)](handling, envelope)


def person(recipient: Recipient) -> Person:
    return Person(email=recipient.email, name=recipient.name)


def draft(
    event: Envelope[Any],
    booking: BookingInfo,
    kind: str,
    compose_mail: Callable[[], Any],
    session: SessionInfo | None = None,
) -> Draft:
    """The mail of `kind` about `booking` for its teacher; `kind` may carry ":<detail>" to keep
    one mail per session apart in the key."""
    assert booking.teacher is not None  # noqa: S101 - callers skip bookings without one
    return Draft(
        key=f"{event.id}:{booking.teacher.email}:{kind}",
        kind=kind.split(":", 1)[0],
        to=person(booking.teacher),
        compose=compose_mail,
        user_id=booking.teacher.user_id,
        event_id=event.id,
        booking_id=booking.id,
        session_id=None if session is None else session.id,
    )


async def _booking(
    h: Handling, event: Envelope[BookingE]
) -> tuple[BookingInfo, Recipient, CohortInfo] | None:
    """The booking an event is about, its teacher and its cohort; None if any is gone."""
    booking = await _one(h, h.read.bookings, h.facts.bookings, event.event.booking_id)
    if booking is None or booking.teacher is None:
        return None
    cohort = await _one(h, h.read.cohorts, h.facts.cohorts, booking.cohort_id)
    if cohort is None:
        return None
    return booking, booking.teacher, cohort


async def _one(
    h: Handling,
    read: dict[str, T | None],
    fetch: Callable[[AsyncSession, Collection[str]], Awaitable[dict[str, T]]],
    key: str,
) -> T | None:
    """What the batch read for `key`, or else one fetch of it."""
    if key in read:
        return read[key]
    return (await fetch(h.db_session, [key])).get(key)


def _upcoming(sessions: Sequence[SessionInfo], at: datetime) -> list[SessionInfo]:
    return [s for s in sessions if s.ends_at > at]


async def booking_confirmed(h: Handling, event: Envelope[events.BookingConfirmed]) -> None:
    """A REQUEST invite per session (one mail per session), then the reminder rows."""
    found = await _booking(h, event)
    if found is None:
        return
    booking, teacher, cohort = found
    # The sessions the seat covered when it was confirmed; one added since is announced by its
    # own event (every session reaches every attendee once).
    covered = _ids(event.event.session_ids)
    sessions = [s for s in cohort.sessions if covered is None or s.id in covered]
    for session in _upcoming(sessions, event.created_at):
        mail = partial(
            compose.booking_confirmed,
            ctx=h.ctx,
            to=person(teacher),
            cohort=cohort,
            session=session,
            promoted=event.event.promoted,
        )
        kind = f"booking_confirmed:{session.id}"
        await queue(h.db_session, draft(event, booking, kind, mail, session), event.created_at)
    await reminders.sync(h.db_session, h.facts, booking.id, since=event.created_at)


async def booking_waitlisted(h: Handling, event: Envelope[events.BookingWaitlisted]) -> None:
    found = await _booking(h, event)
    if found is None:
        return
    booking, teacher, cohort = found
    mail = partial(
        compose.waitlisted,
        ctx=h.ctx,
        to=person(teacher),
        cohort=cohort,
        position=event.event.position,
    )
    await queue(h.db_session, draft(event, booking, "waitlisted", mail), event.created_at)


async def booking_offered(h: Handling, event: Envelope[events.BookingOffered]) -> None:
    found = await _booking(h, event)
    if found is None:
        return
    booking, teacher, cohort = found
    mail = partial(
        compose.offered,
        ctx=h.ctx,
        to=person(teacher),
        cohort=cohort,
        booking_id=booking.id,
        expires_at=event.event.offer_expires_at,
    )
    await queue(h.db_session, draft(event, booking, "offered", mail), event.created_at)


async def offer_expired(h: Handling, event: Envelope[events.OfferExpired]) -> None:
    found = await _booking(h, event)
    if found is None:
        return
    booking, teacher, cohort = found
    mail = partial(compose.offer_expired, ctx=h.ctx, to=person(teacher), cohort=cohort)
    await queue(h.db_session, draft(event, booking, "offer_expired", mail), event.created_at)


async def booking_cancelled(h: Handling, event: Envelope[events.BookingCancelled]) -> None:
    """CANCEL for every upcoming session of a booking that held a seat (its invites went out);
    a plain notice for a waitlisted or offered one. A cohort cancellation says so and why."""
    found = await _booking(h, event)
    if found is None:
        return
    booking, teacher, cohort = found
    by_cohort = event.event.by == "cohort_cancelled"
    if event.event.previous_status == "confirmed":
        sessions = await h.facts.cohort_sessions_any_status(h.db_session, booking.cohort_id)
        for session in _upcoming(sessions, event.created_at):
            if session.cancelled and not by_cohort:
                continue  # its own cancellation went out when the session was cancelled
            mail = (
                partial(compose.cohort_cancelled, session=session)
                if by_cohort
                else partial(
                    compose.booking_cancelled, session=session, late=event.event.late is True
                )
            )
            bound = partial(mail, ctx=h.ctx, to=person(teacher), cohort=cohort)
            kind = f"booking_cancelled:{session.id}"
            await queue(h.db_session, draft(event, booking, kind, bound, session), event.created_at)
    else:
        notice = compose.cohort_cancelled_notice if by_cohort else compose.left_waitlist
        mail = partial(notice, ctx=h.ctx, to=person(teacher), cohort=cohort)
        await queue(
            h.db_session, draft(event, booking, "booking_cancelled", mail), event.created_at
        )
    await reminders.sync(h.db_session, h.facts, booking.id, since=event.created_at)


async def session_added(h: Handling, event: Envelope[events.SessionAdded]) -> None:
    """Someone already booked gets the new session in their calendar and its reminders."""
    if not await h.facts.cohort_is_published(h.db_session, event.event.cohort_id):
        return
    await _to_attendees(h, event, "session_added", compose.session_added)


async def session_rescheduled(h: Handling, event: Envelope[events.SessionRescheduled]) -> None:
    before = event.event.before
    mail = partial(
        compose.session_rescheduled,
        before_starts_at=before.starts_at,
        before_ends_at=before.ends_at,
        before_venue_name=await h.facts.venue_name(h.db_session, before.venue_id) or "",
    )
    await _to_attendees(h, event, "session_rescheduled", mail)


async def session_details_changed(
    h: Handling, event: Envelope[events.SessionDetailsChanged]
) -> None:
    """Same time, new LOCATION (a venue renamed or moved): the invite again, higher SEQUENCE."""
    before = event.event.before
    mail = partial(
        compose.session_details_changed,
        before_venue_name=before.venue_name,
        before_venue_address=before.venue_address,
        before_venue_postcode=before.venue_postcode,
    )
    await _to_attendees(h, event, "session_details_changed", mail)


async def course_retitled(h: Handling, event: Envelope[events.CourseRetitled]) -> None:
    """Same session, new SUMMARY: the invite again with the higher SEQUENCE."""
    mail = partial(compose.course_retitled, before_title=event.event.before_title)
    await _to_attendees(h, event, "course_retitled", mail)


async def session_cancelled(h: Handling, event: Envelope[events.SessionCancelled]) -> None:
    await _to_attendees(h, event, "session_cancelled", compose.session_cancelled)
    await reminders.drop_for_session(h.db_session, event.event.session_id)


async def _to_attendees(
    h: Handling, event: Envelope[SessionE], kind: str, compose_mail: Callable[..., Any]
) -> None:
    """One mail per confirmed attendee about one session, then their reminders re-derived."""
    session = (await h.facts.sessions(h.db_session, [event.event.session_id])).get(
        event.event.session_id
    )
    cohort = (await h.facts.cohorts(h.db_session, [event.event.cohort_id])).get(
        event.event.cohort_id
    )
    if session is None or cohort is None:
        return
    # A session cancelled since a reschedule or an addition gets its CANCEL from that event.
    wants_live = kind != "session_cancelled"
    # Who was confirmed when it happened: someone confirmed later gets the session's current
    # state with their own confirmation instead.
    named = _ids(event.event.booking_ids)
    for booking in await h.facts.confirmed_bookings(h.db_session, cohort.id):
        if (named is not None and booking.id not in named) or booking.teacher is None:
            continue
        if wants_live == (not session.cancelled):
            mail = partial(
                compose_mail, ctx=h.ctx, to=person(booking.teacher), cohort=cohort, session=session
            )
            await queue(h.db_session, draft(event, booking, kind, mail, session), event.created_at)
        await reminders.sync(h.db_session, h.facts, booking.id, since=event.created_at)


async def trainer_away(h: Handling, event: Envelope[events.TrainerAwayFromSessions]) -> None:
    """One mail to each of the hub's hub_admins naming the sessions the trainer cannot teach."""
    trainer = await h.facts.person(h.db_session, event.event.trainer_id)
    sessions = await h.facts.sessions(h.db_session, event.event.session_ids)
    cohorts = await h.facts.cohorts(h.db_session, event.event.cohort_ids)
    affected = [
        (cohort, sessions[sid])
        for sid in event.event.session_ids
        if sid in sessions and not sessions[sid].cancelled
        for cohort in cohorts.values()
        if any(s.id == sid for s in cohort.sessions)
    ]
    if trainer is None or not affected:
        return
    for staff in await h.facts.hub_staff(h.db_session, event.event.hub_id):
        mail = partial(
            compose.trainer_away,
            ctx=h.ctx,
            to=person(staff),
            trainer_name=trainer.name or trainer.email,
            affected=affected,
        )
        draft_mail = Draft(
            key=f"{event.id}:{staff.email}:trainer_away",
            kind="trainer_away",
            to=person(staff),
            compose=mail,
            user_id=staff.user_id,
            event_id=event.id,
        )
        await queue(h.db_session, draft_mail, event.created_at)


async def cohort_updated(h: Handling, event: Envelope[events.CohortUpdated]) -> None:
    """New reminder offsets apply to everyone already booked."""
    if "reminder_offsets" not in event.event.fields:
        return
    for booking in await h.facts.confirmed_bookings(h.db_session, event.event.cohort_id):
        await reminders.sync(h.db_session, h.facts, booking.id, since=event.created_at)


async def bulk_booked(h: Handling, event: Envelope[events.BulkBooked]) -> None:
    """One summary to whoever booked the staff (each person's own mails come from their own
    booking's events)."""
    outcomes = event.event.outcomes
    people = await h.facts.people(
        h.db_session, {event.event.booked_by, *(o.teacher_id for o in outcomes)}
    )
    lead = people.get(event.event.booked_by)
    cohort = (await h.facts.cohorts(h.db_session, [event.event.cohort_id])).get(
        event.event.cohort_id
    )
    if lead is None or cohort is None:
        return
    lines = [
        (
            _name_of(people.get(o.teacher_id)),
            o.status or o.code or "not_found",
        )
        for o in outcomes
    ]
    mail = partial(compose.bulk_summary, ctx=h.ctx, to=person(lead), cohort=cohort, lines=lines)
    await queue(
        h.db_session,
        Draft(
            key=f"{event.id}:{lead.email}:bulk_summary",
            kind="bulk_summary",
            to=person(lead),
            compose=mail,
            user_id=lead.user_id,
            event_id=event.id,
        ),
        event.created_at,
    )


async def booking_pending_approval(
    h: Handling, event: Envelope[events.BookingPendingApproval]
) -> None:
    """The teacher is told their place waits; each of the school's leads is asked."""
    found = await _booking(h, event)
    if found is None:
        return
    booking, teacher, cohort = found
    expires = event.event.approval_expires_at
    mail = partial(
        compose.pending_approval, ctx=h.ctx, to=person(teacher), cohort=cohort, expires_at=expires
    )
    await queue(h.db_session, draft(event, booking, "pending_approval", mail), event.created_at)
    cover = sum(
        1
        for s in cohort.sessions
        if during_school_day(s.starts_at, s.ends_at, ZoneInfo(s.venue.timezone))
    )
    for lead in await h.facts.school_leads(h.db_session, event.event.school_id):
        ask = partial(
            compose.approval_needed,
            ctx=h.ctx,
            to=person(lead),
            cohort=cohort,
            teacher_name=teacher.name or teacher.email,
            expires_at=expires,
            cover_needed=cover,
        )
        await queue(
            h.db_session,
            Draft(
                key=f"{event.id}:{lead.email}:approval_needed",
                kind="approval_needed",
                to=person(lead),
                compose=ask,
                user_id=lead.user_id,
                event_id=event.id,
                booking_id=booking.id,
            ),
            event.created_at,
        )


async def booking_rejected(h: Handling, event: Envelope[events.BookingRejected]) -> None:
    found = await _booking(h, event)
    if found is None:
        return
    booking, teacher, cohort = found
    mail = partial(
        compose.booking_rejected,
        ctx=h.ctx,
        to=person(teacher),
        cohort=cohort,
        reason=event.event.reason,
    )
    await queue(h.db_session, draft(event, booking, "booking_rejected", mail), event.created_at)


async def approval_expired(h: Handling, event: Envelope[events.ApprovalExpired]) -> None:
    found = await _booking(h, event)
    if found is None:
        return
    booking, teacher, cohort = found
    mail = partial(compose.approval_expired, ctx=h.ctx, to=person(teacher), cohort=cohort)
    await queue(h.db_session, draft(event, booking, "approval_expired", mail), event.created_at)


def _name_of(someone: Recipient | None) -> str:
    if someone is None:
        return "Someone no longer with an account"
    return someone.name or someone.email


async def no_mail(_h: Handling, _event: Envelope[Any]) -> None:
    """Events with no mail of their own: SeatFreed (a promotion event follows), CohortPublished,
    CohortCancelled (each booking's BookingCancelled carries it), OfferDeclined (the teacher's
    own answer, shown to them at once)."""


def _ids(value: list[str] | None) -> set[str] | None:
    """A list of ids the event recorded, or None when it recorded none (then: everyone now)."""
    return set(value) if value is not None else None


# Every event type has exactly one handler (tests/unit/booking/test_events.py checks it).
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
    events.CourseRetitled: course_retitled,
    events.TrainerAwayFromSessions: trainer_away,
    events.BulkBooked: bulk_booked,
    events.BookingPendingApproval: booking_pending_approval,
    events.BookingRejected: booking_rejected,
    events.ApprovalExpired: approval_expired,
}
