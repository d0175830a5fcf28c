"""How this process sends mail: the context every composed mail shares.

What a mail is about (cohorts, sessions, venues) are the plain values of booking.ports, read
through MailFacts; composition stays free of the database and testable with literal values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class MailContext:
    """Who sends and how links are made; the same for every mail of a process."""

    sender_email: str  # the organiser: From and ORGANIZER
    sender_name: str
    base_url: str  # links: {base_url}/cohorts/{id}, {base_url}/my/bookings
    message_id_domain: str
    service_name: str
    now: datetime  # aware: the Date header and the invite's DTSTAMP
