"""One look for every notification: a heading, short paragraphs, details and links.

Each mail is described as a ``Body`` of structured pieces and rendered twice: as plain text
and into the one shared HTML layout (``templates/layout.html``, the sign-in mail's GOV.UK-like
style). Every piece of text is HTML-escaped here as it is placed, so no mail can forget to.
Text from users (course titles, names, addresses) is refused if it holds a control character:
a paragraph or heading must be one line, and only detail values may span lines.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from html import escape

from calendars.ical import Method, Person, SessionEvent, invite
from notifications.addresses import check_header_text, is_hostname
from notifications.content import MailContext
from notifications.messages import Invite, _template, check_base_url, new_message

_WIDTH = 72  # plain-text paragraphs wrap here, as mail readers expect
_PARAGRAPH = '<p style="margin:0 0 16px;">{}</p>'
_SECTION = '<h2 style="font-size:19px;margin:24px 0 8px;">{}</h2>'
_TERM = '<dt style="font-weight:bold;margin:0;">{}</dt>'
_VALUE = '<dd style="margin:0 0 12px;">{}</dd>'
_LINK = '<p style="margin:0 0 8px;"><a href="{}" style="color:#1d70b8;">{}</a></p>'


@dataclass(frozen=True, slots=True)
class Details:
    """Label and value pairs, such as When, Where and Accessibility; a value may span lines."""

    rows: tuple[tuple[str, str], ...]
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Links:
    rows: tuple[tuple[str, str], ...]  # label, absolute URL


Block = str | Details | Links  # a str is a paragraph


@dataclass(frozen=True, slots=True)
class Body:
    heading: str
    blocks: tuple[Block, ...]


def plain_mail(ctx: MailContext, to: Person, subject: str, body: Body) -> EmailMessage:
    """A mail with a text part and its HTML alternative, dated ``ctx.now``."""
    return _mail(ctx, to, subject, body, invite=None)


def _mail(
    ctx: MailContext, to: Person, subject: str, body: Body, *, invite: Invite | None
) -> EmailMessage:
    base_url = checked_base_url(ctx)
    return new_message(
        sender=mailbox(sender(ctx)),
        to=mailbox(to),
        subject=subject,
        text=render_text(body, service_name=ctx.service_name, base_url=base_url),
        html=render_html(body, subject=subject, service_name=ctx.service_name, base_url=base_url),
        domain=ctx.message_id_domain,
        date=_aware(ctx.now),
        invite=invite,
    )


def invite_mail(
    ctx: MailContext,
    to: Person,
    subject: str,
    body: Body,
    *,
    event: SessionEvent,
    method: Method,
    uninvite: bool = False,
) -> EmailMessage:
    """The iMIP mail for one session: organised by the sender, attended by ``to``."""
    ics = invite(
        event,
        method=method,
        organizer=sender(ctx),
        attendee=to,
        stamp=_aware(ctx.now),
        uninvite=uninvite,
    )
    return _mail(ctx, to, subject, body, invite=Invite(ics, method))


def sender(ctx: MailContext) -> Person:
    return Person(ctx.sender_email, ctx.sender_name)


def checked_base_url(ctx: MailContext) -> str:
    """The context's base URL without a trailing slash, after checking the whole context."""
    check_base_url(ctx.base_url)
    check_header_text(ctx.service_name, "service_name")
    if not is_hostname(ctx.message_id_domain):
        raise ValueError(f"Message-ID domain {ctx.message_id_domain!r} is not a host name")
    return ctx.base_url.rstrip("/")


def value_lines(value: str, field: str) -> list[str]:
    """The non-blank lines of a multi-line value; any other control character is refused."""
    lines = [line.strip() for line in value.splitlines()]
    for line in lines:
        check_header_text(line, field)
    return [line for line in lines if line]


def render_text(body: Body, *, service_name: str, base_url: str) -> str:
    parts = [_text_block(block) for block in body.blocks]
    return _template("layout.txt").substitute(
        heading=_line(body.heading, "heading"),
        content="\n\n".join(parts),
        service_name=service_name,
        base_url=base_url,
    )


def render_html(body: Body, *, subject: str, service_name: str, base_url: str) -> str:
    parts = [_html_block(block) for block in body.blocks]
    # content is markup assembled from escaped pieces; every other value is escaped here.
    return _template("layout.html").substitute(
        subject=escape(subject),
        heading=escape(_line(body.heading, "heading")),
        content="\n".join(parts),
        service_name=escape(service_name),
        base_url=escape(base_url),
    )


def _text_block(block: Block) -> str:
    if isinstance(block, str):
        return textwrap.fill(
            _line(block, "paragraph"), _WIDTH, break_long_words=False, break_on_hyphens=False
        )
    if isinstance(block, Details):
        lines = [] if block.title is None else [_line(block.title, "title")]
        for label, value in block.rows:
            first, *rest = value_lines(value, label) or ["-"]
            lines.append(f"{_line(label, 'label')}: {first}")
            lines.extend(f"  {line}" for line in rest)
        return "\n".join(lines)
    return "\n\n".join(
        f"{_line(label, 'label')}:\n{_line(url, 'url')}" for label, url in block.rows
    )


def _html_block(block: Block) -> str:
    if isinstance(block, str):
        return _PARAGRAPH.format(escape(_line(block, "paragraph")))
    if isinstance(block, Details):
        parts = (
            [] if block.title is None else [_SECTION.format(escape(_line(block.title, "title")))]
        )
        parts.append('<dl style="margin:0 0 16px;">')
        for label, value in block.rows:
            lines = value_lines(value, label) or ["-"]
            parts.append(_TERM.format(escape(_line(label, "label"))))
            parts.append(_VALUE.format("<br>".join(escape(line) for line in lines)))
        parts.append("</dl>")
        return "\n".join(parts)
    return "\n".join(
        _LINK.format(escape(_line(url, "url")), escape(_line(label, "label")))
        for label, url in block.rows
    )


def _line(value: str, field: str) -> str:
    check_header_text(value, field)
    return value


def mailbox(person: Person) -> str:
    """`Name <address>` for new_message; str(Address) quotes a display name with specials
    ("Siân Jones, SENCo"), so parse_mailbox reads back the same single mailbox."""
    return str(Address(display_name=person.name, addr_spec=person.email))


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("ctx.now must be timezone-aware")
    return moment
