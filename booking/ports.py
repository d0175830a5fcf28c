"""Ports: how booking and notifications reach each other (docs/architecture.md, Boundaries).

Booking never imports notifications, and notifications reads booking's data only through
MailFacts, which booking implements (repositories.mail_facts); the composition roots
(booking.app, booking.background) wire the two together. Everything that crosses is a plain
value defined here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class MailUnavailableError(Exception):
    """The mail transport could not accept a message right now (SMTP down, disk full...)."""


class SignInMailer(Protocol):
    """Sends the one-time sign-in code to an address (implemented by notifications.mailer)."""

    async def send_sign_in_code(self, email: str, code: str, valid_minutes: int) -> None:
        """Deliver the code or raise MailUnavailableError."""
        ...


# ---- what a mail is made from (booking -> notifications) -------------------------------------


@dataclass(frozen=True, slots=True)
class VenueInfo:
    name: str
    address: str  # may span lines
    postcode: str
    timezone: str  # IANA zone: times in mail are shown in the venue's wall clock
    accessibility: str  # in words, e.g. "step-free access, hearing loop" or "none listed"
    travel_notes: str | None = None


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: str
    uid: str  # the persisted calendar UID
    sequence: int  # the persisted SEQUENCE, already bumped for a change
    starts_at: datetime  # aware UTC
    ends_at: datetime
    venue: VenueInfo
    cancelled: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CohortInfo:
    id: str
    course_title: str
    trainer_name: str
    # Every scheduled session of the cohort, in start order (for summaries and "session 2 of 3").
    sessions: tuple[SessionInfo, ...]
    cancel_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone a mail goes to; `user_id` ties the delivery row to their account."""

    user_id: str
    email: str
    name: str


@dataclass(frozen=True, slots=True)
class BookingInfo:
    """A booking as mail sees it: confirmed or not, and whose it is (None: the account is gone)."""

    id: str
    cohort_id: str
    confirmed: bool
    teacher: Recipient | None


class MailFacts(Protocol):
    """Everything notifications reads from booking, each in one or two queries."""

    async def cohorts(
        self, db_session: AsyncSession, cohort_ids: Collection[str]
    ) -> dict[str, CohortInfo]:
        """Cohorts with their scheduled sessions in start order; ids not found are left out."""
        ...

    async def sessions(
        self, db_session: AsyncSession, session_ids: Collection[str]
    ) -> dict[str, SessionInfo]:
        """Sessions whatever their status (a cancellation needs the cancelled session)."""
        ...

    async def cohort_sessions_any_status(
        self, db_session: AsyncSession, cohort_id: str
    ) -> list[SessionInfo]: ...

    async def bookings(
        self, db_session: AsyncSession, booking_ids: Collection[str]
    ) -> dict[str, BookingInfo]: ...

    async def confirmed_bookings(
        self, db_session: AsyncSession, cohort_id: str
    ) -> Sequence[BookingInfo]:
        """Who holds a confirmed seat now, in booking order: they have the invites to update."""
        ...

    async def people(
        self, db_session: AsyncSession, user_ids: Collection[str]
    ) -> dict[str, Recipient]:
        """Accounts by id; erased ones are left out (nobody to write to or name)."""
        ...

    async def school_leads(self, db_session: AsyncSession, school_id: str) -> list[Recipient]:
        """The school's active school_leads, who answer its approvals."""
        ...

    async def reminder_times(
        self, db_session: AsyncSession, booking_id: str
    ) -> dict[tuple[str, str], datetime]:
        """(session id, offset) -> due time, for every scheduled session of a confirmed
        booking and every reminder offset of its cohort; empty for any other booking."""
        ...

    async def venue_name(self, db_session: AsyncSession, venue_id: str) -> str | None: ...

    async def cohort_is_published(self, db_session: AsyncSession, cohort_id: str) -> bool: ...

    async def hub_staff(self, db_session: AsyncSession, hub_id: str) -> list[Recipient]:
        """The hub's active hub_admins, in address order (whom a hub's news goes to)."""
        ...

    async def person(self, db_session: AsyncSession, user_id: str) -> Recipient | None:
        """Anyone by id; None when gone or erased."""
        ...


# ---- mail as admins see it (notifications -> booking) ----------------------------------------


class DeliveryStatus(StrEnum):
    """A mail's state. A claimed pending row (being sent right now) carries claimed_until."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
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


class Deliveries(Protocol):
    """The mail deliveries notifications keeps (implemented by notifications.admin)."""

    async def page(
        self,
        db_session: AsyncSession,
        *,
        status: DeliveryStatus | None,
        limit: int,
        after: str | None,
    ) -> tuple[list[DeliveryRecord], str | None]:
        """Newest first, after the id `after`; the last id when another page follows."""
        ...

    async def requeue(
        self, db_session: AsyncSession, delivery_id: str, now: datetime
    ) -> DeliveryRecord | None:
        """A failed delivery back in the queue, due now (a sent or pending one unchanged);
        None when there is no such delivery. Runs in the caller's unit of work."""
        ...

    async def of_person(self, db_session: AsyncSession, user_id: str) -> list[DeliveryRecord]:
        """Every mail kept for this person, newest first (for their export)."""
        ...

    async def erase_person(self, db_session: AsyncSession, user_id: str, email: str) -> None:
        """The person is being erased (runs in the caller's unit of work): their unsent mail
        is deleted; a sent one keeps kind, subject and times, with the recipient "erased" and
        no body."""
        ...
