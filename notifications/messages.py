"""Composing email messages: validated headers, a text part and an optional HTML alternative."""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from html import escape
from importlib.resources import files
from string import Template
from urllib.parse import urlsplit

from calendars.ical import Method, check_invite
from notifications.addresses import check_header_text, is_hostname, parse_mailbox

DEFAULT_SERVICE_NAME = "Book SEND training"

# Digits only, so the code reads the same in every font and screen reader, and never wraps.
_CODE = re.compile(r"[0-9]{4,12}")


class _HeaderClasses(HeaderRegistry):
    """The standard registry, remembering the class it makes for each header name: the stock
    one builds a new class (`type(...)`) for every header it parses, which was about a tenth of
    composing a mail (benchmarks/README.md, Issue 13). The class depends only on the name, so
    the mails are the same."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


# policy.SMTP: CRLF line ends, lines under 998 octets, RFC 2047 words for non-ASCII headers.
POLICY = email.policy.SMTP.clone(header_factory=_HeaderClasses())


@dataclass(frozen=True, slots=True)
class Invite:
    """One iCalendar object (one METHOD, one event) for the recipient
    (docs/calendars.md, rules 1-3)."""

    ics: bytes
    method: Method


def new_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    domain: str,
    date: datetime | None = None,
    invite: Invite | None = None,
) -> EmailMessage:
    """Every mail the service sends is built here; raises ValueError for any unsafe header
    value, a naive `date` (None: now) or an invite that is not for this recipient.

    With an invite, the iMIP layout Outlook, Gmail, Apple Mail and Evolution read (RFC 6047,
    CalConnect best practice)::

        multipart/mixed
          multipart/alternative          <- the first child (Outlook 2007 looks only there)
            text/plain
            text/html
            text/calendar; method=...; charset=UTF-8   (base64, inline: no attachment)
          application/ics  invite.ics    (base64, for clients that ignore the above)
    """
    from_address = parse_mailbox(sender, "sender")
    to_address = parse_mailbox(to, "recipient")
    check_header_text(subject, "subject")
    if not is_hostname(domain):
        raise ValueError(f"Message-ID domain {domain!r} is not a host name")
    if date is not None and (date.tzinfo is None or date.utcoffset() is None):
        raise ValueError("date must be timezone-aware")
    if invite is not None:
        check_invite(invite.ics, invite.method, to_address.addr_spec)
        if html is None:
            raise ValueError("an invite mail has an HTML part")
    message = EmailMessage(policy=POLICY)
    message["From"] = from_address
    message["To"] = to_address
    message["Subject"] = subject
    message["Date"] = formatdate(None if date is None else date.timestamp(), usegmt=True)
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if invite is not None:
        _attach(message, invite)
    return message


def readdressed(template: EmailMessage, to: str, domain: str) -> EmailMessage:
    """`template`, made by new_message, for another recipient: its To and a Message-ID of its
    own; every other header and the body stay (the caller knows nothing in them is the first
    recipient's). Changes and returns the template."""
    template.replace_header("To", parse_mailbox(to, "recipient"))
    template.replace_header("Message-ID", make_msgid(domain=domain))
    return template


def _attach(message: EmailMessage, invite: Invite) -> None:
    message.add_alternative(
        invite.ics,
        maintype="text",
        subtype="calendar",
        params={"method": invite.method, "charset": "UTF-8"},
        cte="base64",
    )
    message.make_mixed()
    message.add_attachment(
        invite.ics, maintype="application", subtype="ics", filename="invite.ics", cte="base64"
    )


def check_base_url(base_url: str) -> None:
    """The service address must be an absolute http(s) URL: it is shown and linked in mail."""
    check_header_text(base_url, "base_url")
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or " " in base_url:
        raise ValueError(f"base_url {base_url!r} must be an absolute http(s) URL")


def sign_in_code_message(
    *,
    sender: str,
    to: str,
    code: str,
    valid_minutes: int,
    service_name: str = DEFAULT_SERVICE_NAME,
    base_url: str,
    domain: str,
) -> EmailMessage:
    """The sign-in code mail. The text part has the code alone on its own line."""
    if _CODE.fullmatch(code) is None:
        raise ValueError("a sign-in code is 4 to 12 digits")
    if valid_minutes < 1:
        raise ValueError("valid_minutes must be at least 1")
    # The name goes into the subject and the body; a line break would let it add lines.
    check_header_text(service_name, "service_name")
    check_base_url(base_url)
    subject = f"Your sign-in code for {service_name}"
    values = {
        "subject": subject,
        "service_name": service_name,
        "code": code,
        "valid_for": f"{valid_minutes} minute" + ("" if valid_minutes == 1 else "s"),
        "base_url": base_url,
    }
    text = _template("sign_in_code.txt").substitute(values)
    escaped = {key: escape(value, quote=True) for key, value in values.items()}
    markup = _template("sign_in_code.html").substitute(escaped)
    return new_message(sender=sender, to=to, subject=subject, text=text, html=markup, domain=domain)


@cache
def _template(name: str) -> Template:
    source = (files("notifications") / "templates" / name).read_text(encoding="utf-8")
    return Template(source)
