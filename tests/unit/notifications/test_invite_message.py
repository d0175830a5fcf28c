"""The iMIP mail: MIME layout Outlook/Gmail/Apple read, one calendar object, no header injection."""

import email
import email.policy
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest

from calendars.ical import Person, invite
from notifications import messages
from notifications.messages import Invite, new_message
from tests.support.ics_lint import checked, sample_event

ORGANIZER = Person("session-agent@book.example.org", "Book SEND training")
TEACHER = Person("sian.jones@school.example.org", "Siân Jones, SENCo")
SENT_AT = datetime(2026, 10, 15, 8, 30, 5, tzinfo=UTC)


def ics_for(method: str = "REQUEST") -> bytes:
    event = sample_event(sequence=1, cancelled=method == "CANCEL")
    return invite(event, method=method, organizer=ORGANIZER, attendee=TEACHER, stamp=SENT_AT)


def mailbox(person: Person) -> str:
    return str(Address(display_name=person.name, addr_spec=person.email))


def message(method: str = "REQUEST", **kwargs) -> EmailMessage:
    return new_message(
        sender=mailbox(kwargs.pop("sender", ORGANIZER)),
        to=mailbox(kwargs.pop("recipient", TEACHER)),
        subject=kwargs.pop("subject", "Invitation: Supporting autistic pupils, 3 Nov"),
        text=kwargs.pop("text", "You are booked on Supporting autistic pupils.\n"),
        html=kwargs.pop("html", "<p>You are booked on <b>Supporting autistic pupils</b>.</p>"),
        domain=kwargs.pop("message_id_domain", "book.example.org"),
        date=kwargs.pop("date", SENT_AT),
        invite=Invite(kwargs.pop("ics", None) or ics_for(method), method),
    )


def reparsed(msg: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def calendar_part(msg: EmailMessage) -> EmailMessage:
    [part] = [part for part in msg.walk() if part.get_content_type() == "text/calendar"]
    assert isinstance(part, EmailMessage)
    return part


def layout(msg: EmailMessage) -> list:
    return [
        msg.get_content_type(),
        [
            child.get_content_type()
            if not child.is_multipart()
            else [
                child.get_content_type(),
                [part.get_content_type() for part in child.iter_parts()],
            ]
            for child in msg.iter_parts()
        ],
    ]


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_mixed_holds_the_alternative_first_then_the_ics_attachment(method):
    for msg in (message(method), reparsed(message(method))):
        assert layout(msg) == [
            "multipart/mixed",
            [
                ["multipart/alternative", ["text/plain", "text/html", "text/calendar"]],
                "application/ics",
            ],
        ]


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_the_calendar_part_method_equals_the_vcalendar_method(method):
    part = calendar_part(reparsed(message(method)))
    assert part.get_param("method") == method
    assert part.get_param("charset") == "UTF-8"
    assert part["Content-Transfer-Encoding"] == "base64"
    assert part.get_content_disposition() is None  # inline: not just an attachment
    data = part.get_payload(decode=True)
    lenient, _ = checked(data)
    assert lenient["METHOD"] == method


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_the_calendar_part_holds_exactly_one_vcalendar_with_one_uid(method):
    data = calendar_part(reparsed(message(method))).get_payload(decode=True)
    assert data == ics_for(method)
    assert data.count(b"BEGIN:VCALENDAR") == 1
    assert data.count(b"\r\nUID:") == 1
    lenient, strict = checked(data)
    assert [str(event["UID"]) for event in lenient.events] == [sample_event().uid]
    assert [event.uid for event in strict.events] == [sample_event().uid]


def test_the_attachment_is_invite_ics_in_base64_with_the_same_bytes():
    attachment = reparsed(message()).get_payload()[1]
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics"
    assert attachment["Content-Transfer-Encoding"] == "base64"
    assert attachment.get_payload(decode=True) == ics_for()


def test_text_and_html_bodies_round_trip():
    parsed = reparsed(message(text="Diolch, Siân 🙂\n", html="<p>Diolch, Siân 🙂</p>"))
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    # The wire form is CRLF (policy.SMTP); reading back keeps CRLF.
    assert text == "Diolch, Siân 🙂\r\n"
    assert html == "<p>Diolch, Siân 🙂</p>\r\n"


def test_headers_round_trip_with_non_ascii_names_and_subject():
    subject = "Gwahoddiad: Cwrs ŵŷ, 3 Tach 🙂 " + "hir iawn " * 12
    parsed = reparsed(message(subject=subject))
    assert parsed["Subject"] == subject
    [sender] = parsed["From"].addresses
    [recipient] = parsed["To"].addresses
    assert (sender.display_name, sender.addr_spec) == (ORGANIZER.name, ORGANIZER.email)
    assert (recipient.display_name, recipient.addr_spec) == (TEACHER.name, TEACHER.email)
    assert parsedate_to_datetime(parsed["Date"]) == SENT_AT
    assert parsed["Message-ID"].startswith("<")
    assert parsed["Message-ID"].endswith("@book.example.org>")


@pytest.mark.parametrize(
    "name",
    [
        "Siân Jones, SENCo",
        "Jones, Ann",
        'Siân "Si" Jones',
        "Siân (SENCo)",
        "Ann <ann@evil.example.org>, Bob",
        "Ann; Bob: carol@example.org,",
        'اردو, 🙂 ; "q" \\ back',
        "O'Neil, Ms",
    ],
)
def test_a_display_name_with_specials_stays_one_exact_address(name):
    # formataddr() + policy.SMTP would write "=?utf-8?q?Si=C3=A2n?= Jones, SENCo <...>": two
    # addresses. Every name must come back as itself, on one address.
    recipient = Person(TEACHER.email, name)
    sender = Person(ORGANIZER.email, name)
    parsed = reparsed(message(recipient=recipient, sender=sender))
    for header, person in (("To", recipient), ("From", sender)):
        [address] = parsed[header].addresses
        assert (address.display_name, address.addr_spec) == (name, person.email)


def test_a_long_non_ascii_name_with_commas_folds_but_stays_one_address():
    person = Person(TEACHER.email, "Siân " + "Llewellyn-Jones, " * 8 + "SENCo")
    parsed = reparsed(message(recipient=person))
    [address] = parsed["To"].addresses
    assert address.addr_spec == person.email


def test_each_mail_gets_its_own_message_id():
    assert message()["Message-ID"] != message()["Message-ID"]


def test_the_wire_form_uses_crlf_and_short_lines():
    wire = message().as_bytes()
    assert b"\n" not in wire.replace(b"\r\n", b"")
    assert max(len(line) for line in wire.split(b"\r\n")) <= 998


@pytest.mark.parametrize(
    "subject",
    ["Invite\r\nBcc: victim@example.org", "Invite\nX-Evil: 1", "Invite\r", "A\x00B", "A\u2028B"],
)
def test_a_subject_with_a_line_break_or_control_character_is_refused(subject):
    with pytest.raises(ValueError, match="subject contains a control character"):
        message(subject=subject)


def test_a_message_id_domain_with_a_line_break_is_refused():
    with pytest.raises(ValueError, match="is not a host name"):
        message(message_id_domain="book.example.org\r\nBcc: victim@example.org")


@pytest.mark.parametrize("name", ["Siân\r\nBcc: victim@example.org", "Siân\nJones", "S\x1bJ"])
def test_a_name_that_could_inject_a_header_cannot_even_be_a_person(name):
    with pytest.raises(ValueError, match="name must be a single line"):
        Person(TEACHER.email, name)


def test_an_ics_whose_method_differs_from_the_mail_method_is_refused():
    with pytest.raises(ValueError, match="is not 'CANCEL'"):
        message("CANCEL", ics=ics_for("REQUEST"))


def test_two_calendars_in_one_mail_are_refused():
    with pytest.raises(ValueError, match="exactly one iCalendar object"):
        message(ics=ics_for() + ics_for())


def test_an_ics_that_does_not_invite_the_recipient_is_refused():
    other = Person("other.teacher@school.example.org", "Other Teacher")
    with pytest.raises(ValueError, match="recipient must be an ATTENDEE"):
        message(recipient=other)


def test_something_that_is_not_icalendar_is_refused():
    with pytest.raises(ValueError, match="not an iCalendar object"):
        message(ics=b"hello\r\n")


def test_a_naive_date_is_refused():
    with pytest.raises(ValueError, match="date must be timezone-aware"):
        message(date=datetime(2026, 10, 15, 8, 30))  # noqa: DTZ001 - the naive time is the point


def test_our_header_registry_gives_the_stock_policys_bytes(monkeypatch):
    """messages.POLICY remembers the header classes it makes (the stock registry makes a new
    class for every header); the mail must come out exactly as the stock policy writes it,
    non-ASCII names and long folded headers included."""

    def composed() -> bytes:
        mail = message(subject="Invitation: Supporting autistic pupils — a long subject " * 3)
        mail.replace_header("Message-ID", "<fixed@book.example.org>")
        for number, part in enumerate(p for p in mail.walk() if p.is_multipart()):
            part.set_boundary(f"fixed-boundary-{number}")
        return mail.as_bytes(policy=messages.POLICY)

    ours = composed()
    monkeypatch.setattr(messages, "POLICY", email.policy.SMTP)
    assert composed() == ours
    assert "Siân".encode() not in ours  # the display name went out as an RFC 2047 word


def test_each_header_name_gets_one_class():
    first, second = message(), message()
    assert type(first["Subject"]) is type(second["Subject"])
    assert messages.POLICY.header_factory["subject"] is messages.POLICY.header_factory["Subject"]
