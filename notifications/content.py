"""What a mail is made from: plain values loaded by the dispatcher, used by compose.

Kept free of the database so composition is pure and testable with literal values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
class MailContext:
    """Who sends and how links are made; the same for every mail of a process."""

    sender_email: str  # the organiser: From and ORGANIZER
    sender_name: str
    base_url: str  # links: {base_url}/cohorts/{id}, {base_url}/my/bookings
    message_id_domain: str
    service_name: str
    now: datetime  # aware: the Date header and the invite's DTSTAMP
