"""Every domain event the outbox carries, as typed values (docs/architecture.md, Events).

A command writes these in its own transaction (repositories.outbox.add_event); after commit the
dispatcher decodes each row back into one of them and hands it to the handler registered for
its type (notifications.handlers). The stored row is the event's fields as a JSON object and its
tag as `kind`, so a row written by an older process decodes the same way.

Fields keep the names the rows have always had; new optional fields default to unset and are
left out of the row, so older rows stay valid.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

KIND_FIELD = "kind"


class Event(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, tag_field=KIND_FIELD):
    """Base of every event; the class name is its `kind`."""


class BookingEvent(Event, frozen=True, kw_only=True):
    """Something happened to one teacher's booking; `status` is the booking's status after it."""

    booking_id: str
    cohort_id: str
    teacher_id: str
    status: str


class BookingConfirmed(BookingEvent, frozen=True, kw_only=True, tag=True):
    """A seat, directly or promoted from the waitlist. `session_ids`: the sessions the seat
    covers now (each gets its invite with this event; a later session announces itself)."""

    promoted: bool = False
    session_ids: list[str] | None = None


class BookingWaitlisted(BookingEvent, frozen=True, kw_only=True, tag=True):
    position: int


class BookingOffered(BookingEvent, frozen=True, kw_only=True, tag=True):
    offer_expires_at: datetime


class OfferExpired(BookingEvent, frozen=True, kw_only=True, tag=True):
    pass


class OfferDeclined(BookingEvent, frozen=True, kw_only=True, tag=True):
    pass


class BookingCancelled(BookingEvent, frozen=True, kw_only=True, tag=True):
    """`by`: owner, hub_staff or cohort_cancelled; `late` only when the owner or staff cancel."""

    previous_status: str
    by: str
    late: bool | msgspec.UnsetType = msgspec.UNSET


class BookingPendingApproval(BookingEvent, frozen=True, kw_only=True, tag=True):
    """Holding a seat until the school answers: the teacher and the school's leads are told."""

    approval_expires_at: datetime
    school_id: str


class BookingRejected(BookingEvent, frozen=True, kw_only=True, tag=True):
    reason: str


class ApprovalExpired(BookingEvent, frozen=True, kw_only=True, tag=True):
    pass


class SeatFreed(Event, frozen=True, kw_only=True, tag=True):
    cohort_id: str
    booking_id: str


class CohortPublished(Event, frozen=True, kw_only=True, tag=True):
    cohort_id: str


class CohortUpdated(Event, frozen=True, kw_only=True, tag=True):
    cohort_id: str
    fields: list[str]


class CohortCancelled(Event, frozen=True, kw_only=True, tag=True):
    cohort_id: str
    reason: str | None = None


class SessionEvent(Event, frozen=True, kw_only=True):
    """A change to one session; `booking_ids`: who was confirmed then (None: everyone now)."""

    session_id: str
    cohort_id: str
    booking_ids: list[str] | None = None


class SessionAdded(SessionEvent, frozen=True, kw_only=True, tag=True):
    pass


class SessionPlace(msgspec.Struct, frozen=True, kw_only=True):
    starts_at: datetime
    ends_at: datetime
    venue_id: str


class SessionRescheduled(SessionEvent, frozen=True, kw_only=True, tag=True):
    sequence: int
    before: SessionPlace
    starts_at: datetime
    ends_at: datetime
    venue_id: str


class VenueLocation(msgspec.Struct, frozen=True, kw_only=True):
    venue_name: str = ""
    venue_address: str = ""
    venue_postcode: str = ""


class SessionDetailsChanged(SessionEvent, frozen=True, kw_only=True, tag=True):
    """Same time, new LOCATION (a venue renamed or moved)."""

    sequence: int
    changed: list[str]
    before: VenueLocation


class SessionCancelled(SessionEvent, frozen=True, kw_only=True, tag=True):
    sequence: int


class CourseRetitled(SessionEvent, frozen=True, kw_only=True, tag=True):
    """Same session, its course renamed (SUMMARY): the invite again with a higher SEQUENCE."""

    sequence: int
    before_title: str


class TrainerAwayFromSessions(Event, frozen=True, kw_only=True, tag=True):
    """A trainer's new exception (a day off) overlaps sessions they teach: the hub is told.
    `session_ids`: the sessions newly overlapped, in start order; `cohort_ids`: theirs."""

    trainer_id: str
    hub_id: str
    session_ids: list[str]
    cohort_ids: list[str]


class BulkOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """One teacher of a bulk booking: the booking's status, or the code of why it failed."""

    teacher_id: str
    status: str | None = None
    code: str | None = None


class BulkBooked(Event, frozen=True, kw_only=True, tag=True):
    """A lead (or admin) booked several staff at once: one summary mail to them. Each teacher's
    own booking has its own event and mails."""

    cohort_id: str
    booked_by: str
    outcomes: list[BulkOutcome]


DomainEvent = (
    BookingConfirmed
    | BookingWaitlisted
    | BookingOffered
    | OfferExpired
    | OfferDeclined
    | BookingCancelled
    | SeatFreed
    | CohortPublished
    | CohortUpdated
    | CohortCancelled
    | SessionAdded
    | SessionRescheduled
    | SessionDetailsChanged
    | SessionCancelled
    | CourseRetitled
    | TrainerAwayFromSessions
    | BulkBooked
    | BookingPendingApproval
    | BookingRejected
    | ApprovalExpired
)

EVENT_TYPES: tuple[type[Event], ...] = DomainEvent.__args__
KINDS: frozenset[str] = frozenset(t.__name__ for t in EVENT_TYPES)


class UnknownEventError(ValueError):
    """A row whose kind or fields this version cannot read (a newer writer, or a damaged row)."""


def kind_of(event: Event) -> str:
    return type(event).__name__


def to_row(event: Event) -> dict[str, Any]:
    """The stored payload: the event's fields without its tag (the row keeps that as `kind`)."""
    payload: dict[str, Any] = msgspec.to_builtins(event)
    payload.pop(KIND_FIELD, None)
    return payload


def from_row(kind: str, payload: dict[str, Any]) -> DomainEvent:
    if kind not in KINDS:
        raise UnknownEventError(f"unknown event kind {kind!r}")
    try:
        event: DomainEvent = msgspec.convert({**payload, KIND_FIELD: kind}, DomainEvent)
    except msgspec.ValidationError as exc:
        raise UnknownEventError(f"{kind} cannot be read: {exc}") from exc
    return event
