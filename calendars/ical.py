"""The one iCalendar builder: iMIP invites (RFC 5546) and subscribable feeds (RFC 5545/7986).

Invites and feeds render each session through the same VEVENT builder, so they cannot drift
apart. Every time is written in UTC (``...Z``): no VTIMEZONE is needed, and Outlook, Google and
Apple read UTC correctly (``add_missing_timezones`` would emit RDATE zones Outlook mishandles).
Escaping, 75-octet folding, CRLF and UTF-8 are icalendar's job; the tests lint the bytes.

Feeds are deterministic: the calendar UID is the caller's fixed id, each DTSTAMP is the
session's LAST-MODIFIED and events are sorted, so the bytes (and the ETag) only change when a
session does.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from icalendar import STATUS, TRANSP, Calendar, Event, vCalAddress, vDuration, vText

PRODID = "-//Book SEND training//Booking service//EN"

Method = Literal["REQUEST", "CANCEL"]

_FEED_REFRESH = timedelta(hours=1)
_MAX_UID_OCTETS = 254  # RFC 7986 section 5.3: under 255 octets
# ASCII addr-spec without quoting or comments: nothing that could split an address header.
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_BREAKS_OR_CONTROLS = frozenset({"Cc", "Zl", "Zp"})
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """One training session as a calendar shows it; ``uid`` and ``sequence`` are persisted."""

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str
    cancelled: bool
    last_modified: datetime
    url: str | None = None

    def __post_init__(self) -> None:
        if not self.uid or len(self.uid.encode()) > _MAX_UID_OCTETS or not self.uid.isprintable():
            raise ValueError("uid must be 1-254 octets of printable characters")
        if " " in self.uid:
            raise ValueError("uid must not contain spaces")
        if self.sequence < 0:
            raise ValueError("sequence must be >= 0")
        if _utc(self.ends_at, "ends_at") <= _utc(self.starts_at, "starts_at"):
            raise ValueError("a session must end after it starts")
        _utc(self.last_modified, "last_modified")
        if self.url is not None and (not self.url or any(c.isspace() for c in self.url)):
            raise ValueError("url must be non-empty and contain no whitespace")


@dataclass(frozen=True, slots=True)
class Person:
    """A mailbox with a display name; both end up in mail headers and iCalendar parameters."""

    email: str
    name: str

    def __post_init__(self) -> None:
        ensure_single_line(self.name, "name")
        ensure_single_line(self.email, "email")
        if not _ADDRESS.fullmatch(self.email):
            raise ValueError(f"not a plain email address: {self.email!r}")


def ensure_single_line(value: str, field: str) -> None:
    """Refuse CR, LF and every other control or line-break character (header injection)."""
    if any(unicodedata.category(char) in _BREAKS_OR_CONTROLS for char in value):
        raise ValueError(f"{field} must be a single line without control characters")


def invite(
    event: SessionEvent,
    *,
    method: Method,
    organizer: Person,
    attendee: Person,
    stamp: datetime,
    uninvite: bool = False,
) -> bytes:
    """An iMIP object for one recipient: ``REQUEST`` to invite or reschedule, ``CANCEL`` to cancel.

    RFC 5546 section 3.2.2/3.2.5: ORGANIZER, the ATTENDEE, SEQUENCE, and STATUS CONFIRMED for a
    request or CANCELLED for a cancel. DTSTAMP is ``stamp``, the time this message was made. The
    caller bumps and persists SEQUENCE before a reschedule or a cancel.

    ``uninvite`` is a CANCEL that removes only this attendee (their booking ended, the session
    goes on): section 3.2.5 says STATUS MUST NOT be included then, since STATUS:CANCELLED
    means the whole event is off.
    """
    if organizer.email.casefold() == attendee.email.casefold():
        # Outlook cannot find the meeting when the recipient is its own organizer.
        raise ValueError("the organizer must not be the attendee")
    if method == "REQUEST" and event.cancelled:
        raise ValueError("a cancelled session is sent with method CANCEL, not REQUEST")
    if uninvite and (method != "CANCEL" or event.cancelled):
        raise ValueError("uninvite is a CANCEL for one attendee of a session that goes on")
    status = STATUS.CONFIRMED if method == "REQUEST" else STATUS.CANCELLED
    vevent = _vevent(event, stamp=stamp, status=None if uninvite else status, summary=event.summary)
    vevent.add("ORGANIZER", vCalAddress.new(organizer.email, cn=organizer.name or None))
    vevent.add(
        "ATTENDEE",
        vCalAddress.new(
            attendee.email,
            cn=attendee.name or None,
            cutype="INDIVIDUAL",
            role="REQ-PARTICIPANT",
            partstat="NEEDS-ACTION",
            rsvp=True,
        ),
    )
    # Built by hand: Calendar.new() would add a random calendar UID and break "one UID".
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", PRODID)
    calendar.add("METHOD", method)
    calendar.add_component(vevent)
    return _bytes(calendar)


def session_event(
    *,
    uid: str,
    sequence: int,
    starts_at: datetime,
    ends_at: datetime,
    course_title: str,
    venue_name: str,
    venue_address: str,
    venue_postcode: str,
    trainer_name: str,
    accessibility: str,
    base_url: str,
    cohort_id: str,
    last_modified: datetime,
    cancelled: bool = False,
) -> SessionEvent:
    """How every calendar describes a session, so a feed and an invite never read differently.

    LOCATION is the venue, its address lines and postcode; DESCRIPTION names the trainer, the
    accessibility features in words and the booking page (docs/contract.md, Calendars).
    """
    booking_url = f"{base_url}/cohorts/{cohort_id}"
    return SessionEvent(
        uid=uid,
        sequence=sequence,
        starts_at=starts_at,
        ends_at=ends_at,
        summary=course_title,
        location=", ".join([venue_name, *venue_address.splitlines(), venue_postcode]),
        description=(
            f"Trainer: {trainer_name}\nAccessibility: {accessibility}\nBooking: {booking_url}"
        ),
        cancelled=cancelled,
        last_modified=last_modified,
        url=booking_url,
    )


def feed(events: Sequence[SessionEvent], *, calendar_id: str, name: str) -> bytes:
    """A subscribable calendar whose bytes only change when one of ``events`` changes.

    No METHOD (so DTSTAMP means "last modified", RFC 5545 section 3.8.7.2) and no e-mail
    addresses: the URL may be shared. Cancelled sessions are rendered if passed, marked
    ``STATUS:CANCELLED`` and titled "Cancelled: ..."; leaving them out is the caller's choice.
    """
    if not calendar_id:
        raise ValueError("a feed needs a fixed calendar id")
    ordered = sorted(events, key=lambda event: (_utc(event.starts_at, "starts_at"), event.uid))
    calendar = Calendar.new(
        prodid=PRODID,
        uid=calendar_id,
        subcomponents=[
            _vevent(
                event,
                stamp=event.last_modified,
                status=STATUS.CANCELLED if event.cancelled else STATUS.CONFIRMED,
                summary=f"Cancelled: {event.summary}" if event.cancelled else event.summary,
            )
            for event in ordered
        ],
    )
    # icalendar 7.3 types NAME and X-WR-CALNAME as unknown, so `name=` would write them unescaped
    # (and fail on a newline); as vText they are escaped like any TEXT value.
    for prop in ("NAME", "X-WR-CALNAME"):
        calendar.add(prop, vText(_clean_text(name)))
    # RFC 7986 section 5.7 requires VALUE=DURATION; icalendar's refresh_interval setter omits it.
    calendar.add("REFRESH-INTERVAL", _FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(_FEED_REFRESH))
    return _bytes(calendar)


def _vevent(event: SessionEvent, *, stamp: datetime, status: STATUS | None, summary: str) -> Event:
    return Event.new(
        uid=event.uid,
        sequence=event.sequence,
        stamp=_utc(stamp, "stamp"),
        start=_utc(event.starts_at, "starts_at"),
        end=_utc(event.ends_at, "ends_at"),
        status=status,
        transparency=TRANSP.OPAQUE,
        summary=_clean_text(summary),
        location=_one_line_location(event.location),
        description=_clean_text(event.description),
        last_modified=_utc(event.last_modified, "last_modified"),
        url=event.url,
    )


def _bytes(calendar: Calendar) -> bytes:
    data: bytes = calendar.to_ical()  # typed Any in icalendar 7.3
    return data


def _utc(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware")
    # iCalendar DATE-TIME has whole seconds; dropping the rest keeps feeds byte-stable.
    return moment.astimezone(UTC).replace(microsecond=0)


def _clean_text(value: str) -> str:
    # RFC 5545 TEXT cannot carry control characters other than tab and line breaks.
    return _TEXT_CONTROLS.sub("", value)


def _one_line_location(location: str) -> str:
    lines = (line.strip() for line in _clean_text(location).splitlines())
    return ", ".join(line for line in lines if line)


def check_invite(ics: bytes, method: str, attendee_email: str) -> None:
    """`ics` is what an invite mail may carry (RFC 6047 section 2.4): exactly one iCalendar
    object with one event, METHOD equal to `method`, and the recipient among its ATTENDEEs;
    ValueError otherwise."""
    try:
        calendars = Calendar.from_ical(ics, multiple=True)
    except ValueError as error:
        raise ValueError(f"ics is not an iCalendar object: {error}") from error
    if len(calendars) != 1:
        raise ValueError("an invite mail carries exactly one iCalendar object")
    calendar = calendars[0]
    if calendar.get("METHOD") != method:
        raise ValueError(f"the ics METHOD {calendar.get('METHOD')!r} is not {method!r}")
    events = calendar.events
    if len(events) != 1 or "UID" not in events[0]:
        raise ValueError("an invite mail carries exactly one event with a UID")
    # RFC 6047/5546: the mailbox must find itself among the ATTENDEEs to offer RSVP.
    if attendee_email.casefold() not in {a.email.casefold() for a in events[0].attendees}:
        raise ValueError("the recipient must be an ATTENDEE of the invite")
