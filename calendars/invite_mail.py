"""The iMIP mail (RFC 6047) that carries one invite or cancellation to one recipient.

Layout, as Outlook, Gmail, Apple Mail and Evolution read it (CalConnect iMIP best practice)::

    multipart/mixed
      multipart/alternative            <- must be the first child (Outlook 2007 looks only there)
        text/plain
        text/html
        text/calendar; method=...; charset=UTF-8   (base64, inline: no attachment disposition)
      application/ics  invite.ics      (base64 attachment, for clients that ignore the above)

The message uses ``policy.SMTP`` so it flattens with CRLF and lines under 998 octets.
"""

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from icalendar import Calendar

from calendars.ical import Method, Person, ensure_single_line


def invite_message(
    *,
    sender: Person,
    recipient: Person,
    subject: str,
    text: str,
    html: str,
    ics: bytes,
    method: Method,
    message_id_domain: str,
    date: datetime,
) -> EmailMessage:
    """One mail per recipient with exactly one iCalendar object whose METHOD matches ``method``.

    Raises ``ValueError`` for a header value with a line break or control character (no
    header injection), for a naive ``date``, and for an ``ics`` that is not one object with
    one event, ``METHOD`` equal to ``method`` (RFC 6047 section 2.4: the two must agree) and
    the recipient among its ATTENDEEs.
    """
    ensure_single_line(subject, "subject")
    ensure_single_line(message_id_domain, "message_id_domain")
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("date must be timezone-aware")
    _check_ics(ics, method, recipient)

    message = EmailMessage(policy=SMTP)
    message["From"] = _address(sender)
    message["To"] = _address(recipient)
    message["Subject"] = subject
    message["Date"] = formatdate(date.timestamp(), usegmt=True)
    message["Message-ID"] = make_msgid(domain=message_id_domain)

    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message.add_alternative(
        ics,
        maintype="text",
        subtype="calendar",
        params={"method": method, "charset": "UTF-8"},
        cte="base64",
    )
    message.make_mixed()
    message.add_attachment(
        ics, maintype="application", subtype="ics", filename="invite.ics", cte="base64"
    )
    return message


def _address(person: Person) -> Address:
    # Not formataddr(): its encoded-word string is re-folded by the policy, and a non-ASCII
    # name with a comma ("Siân Jones, SENCo") comes out unquoted, i.e. as two addresses.
    return Address(display_name=person.name, addr_spec=person.email)


def _check_ics(ics: bytes, method: str, recipient: Person) -> None:
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
    if recipient.email.casefold() not in {a.email.casefold() for a in events[0].attendees}:
        raise ValueError("the recipient must be an ATTENDEE of the invite")
