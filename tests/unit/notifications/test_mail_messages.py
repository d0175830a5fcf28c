import email
import email.policy
from email.message import EmailMessage

import pytest

from notifications.messages import new_message

SENDER = "Book SEND training <bookings@example.org>"
TO = "teacher@school.example"


def compose(**overrides):
    fields = {
        "sender": SENDER,
        "to": TO,
        "subject": "Hello",
        "text": "Body text.\n",
        "html": None,
        "domain": "book.example.org",
    }
    fields.update(overrides)
    return new_message(**fields)


def reparse(message: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(
        message.as_bytes(policy=email.policy.SMTP), policy=email.policy.default
    )
    assert isinstance(parsed, EmailMessage)
    return parsed


def content(part) -> str:
    # policy.default keeps the CRLF line ends that policy.SMTP wrote.
    return part.get_content().replace("\r\n", "\n")


@pytest.mark.parametrize(
    "subject",
    [
        "Hi\r\nBcc: victim@example.org",
        "Hi\nBcc: victim@example.org",
        "Hi\rBcc: victim@example.org",
        "Hi\x00there",
        "Hi\x85Bcc: victim@example.org",  # NEL
        "Hi\u2028Bcc: victim@example.org",  # LINE SEPARATOR
        "Hi\tthere",
    ],
)
def test_control_characters_in_subject_are_refused(subject):
    with pytest.raises(ValueError, match="subject"):
        compose(subject=subject)


@pytest.mark.parametrize(
    "sender",
    [
        "Bookings\r\nBcc: victim@example.org <bookings@example.org>",
        "Bookings\n <bookings@example.org>",
        "bookings@example.org\r\nBcc: victim@example.org",
    ],
)
def test_line_breaks_in_sender_name_or_address_are_refused(sender):
    with pytest.raises(ValueError, match="sender"):
        compose(sender=sender)


@pytest.mark.parametrize(
    "to",
    [
        "teacher@school.example\r\nBcc: victim@example.org",
        "teacher@school.example\nSubject: changed",
        "Teacher\r\n <teacher@school.example>",
    ],
)
def test_line_breaks_in_recipient_are_refused(to):
    with pytest.raises(ValueError, match="recipient"):
        compose(to=to)


@pytest.mark.parametrize(
    "to",
    [
        "teacher@school.example, victim@example.org",
        "teacher@school.example victim@example.org",
        "Teacher <teacher@school.example>, victim@example.org",
        "friends: teacher@school.example, victim@example.org;",
        "friends: teacher@school.example;",
        "teacher@school.example)<victim@example.org>",
        "teacher@school.example (a comment)",
        "Teacher <teacher@school.example> trailing",
    ],
)
def test_anything_but_one_address_is_refused(to):
    with pytest.raises(ValueError, match="recipient"):
        compose(to=to)


@pytest.mark.parametrize(
    "to",
    [
        "",
        "teacher",
        "teacher@",
        "@school.example",
        "teacher@@school.example",
        '"quoted local"@school.example',
        "teacher@[192.0.2.1]",
        "zoë@school.example",
        "teacher@school_.example",
    ],
)
def test_addresses_that_are_not_plain_addr_specs_are_refused(to):
    with pytest.raises(ValueError, match="recipient"):
        compose(to=to)


@pytest.mark.parametrize(
    "to",
    ["teacher@school.example", "Teacher <teacher@school.example>", "<teacher@school.example>"],
)
def test_one_plain_address_is_accepted(to):
    parsed = reparse(compose(to=to))

    assert [a.addr_spec for a in parsed["To"].addresses] == ["teacher@school.example"]


def test_a_non_ascii_subject_round_trips():
    subject = "Réunion SEND — 東京 ✓ " + "long words " * 10
    message = compose(subject=subject)

    raw = message.as_bytes(policy=email.policy.SMTP)

    assert raw.isascii()  # encoded words, not raw UTF-8 in headers
    assert reparse(message)["Subject"] == subject


def test_a_non_ascii_display_name_round_trips():
    parsed = reparse(compose(sender="Zoë Ångström\u2019s office <bookings@example.org>"))

    (address,) = parsed["From"].addresses
    assert address.display_name == "Zoë Ångström\u2019s office"
    assert address.addr_spec == "bookings@example.org"


def test_a_display_name_with_specials_is_quoted_not_parsed():
    parsed = reparse(compose(sender='"Team, Bookings <x@y.example>" <bookings@example.org>'))

    (address,) = parsed["From"].addresses
    assert address.addr_spec == "bookings@example.org"


def test_date_and_message_id_are_set():
    parsed = reparse(compose(domain="book.example.org"))

    assert parsed["Date"].datetime.utcoffset().total_seconds() == 0
    assert parsed["Message-ID"].endswith("@book.example.org>")


def test_message_ids_are_unique():
    assert compose()["Message-ID"] != compose()["Message-ID"]


@pytest.mark.parametrize("domain", ["", "book example.org", "book.example.org>\r\nX: y", "::1"])
def test_a_bad_message_id_domain_is_refused(domain):
    with pytest.raises(ValueError, match="Message-ID"):
        compose(domain=domain)


def test_text_only_message_is_a_single_text_part():
    parsed = reparse(compose(text="Only text.\n"))

    assert parsed.get_content_type() == "text/plain"
    assert content(parsed) == "Only text.\n"


def test_html_is_added_as_an_alternative_after_the_text():
    parsed = reparse(compose(text="Text.\n", html="<p>HTML</p>\n"))

    assert parsed.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in parsed.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert content(parsed.get_body(("html",))) == "<p>HTML</p>\n"


def test_serialised_lines_use_crlf_and_stay_short():
    raw = compose(text="x" * 2000 + "\n", html=None).as_bytes(policy=email.policy.SMTP)

    lines = raw.split(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 998
