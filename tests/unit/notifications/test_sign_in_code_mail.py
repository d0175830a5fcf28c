import email
import email.policy
import re
from email.message import EmailMessage

import pytest

from notifications.messages import sign_in_code_message


def compose(**overrides):
    fields = {
        "sender": "Book SEND training <bookings@example.org>",
        "to": "teacher@school.example",
        "code": "042917",
        "valid_minutes": 15,
        "base_url": "https://book.example.org",
        "domain": "book.example.org",
    }
    fields.update(overrides)
    parsed = email.message_from_bytes(
        sign_in_code_message(**fields).as_bytes(policy=email.policy.SMTP),
        policy=email.policy.default,
    )
    assert isinstance(parsed, EmailMessage)
    return parsed


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content().replace("\r\n", "\n")


def test_subject_names_the_sign_in_code():
    assert compose()["Subject"] == "Your sign-in code for Book SEND training"


def test_the_code_is_alone_on_its_own_line_of_the_text_part():
    lines = text_of(compose(code="042917")).splitlines()

    assert "042917" in lines
    assert [line for line in lines if "042917" in line] == ["042917"]


def test_the_code_can_be_read_from_the_raw_message():
    message = sign_in_code_message(
        sender="bookings@example.org",
        to="teacher@school.example",
        code="042917",
        valid_minutes=15,
        base_url="https://book.example.org",
        domain="book.example.org",
    )

    raw = message.as_bytes(policy=email.policy.SMTP)

    assert re.search(rb"^042917\r$", raw, flags=re.MULTILINE)


def test_the_text_says_how_long_the_code_works_and_that_it_can_be_ignored():
    text = text_of(compose(valid_minutes=15))

    assert "15 minutes" in text
    assert "ignore this email" in text


def test_one_minute_is_singular():
    assert "works for 1 minute." in text_of(compose(valid_minutes=1))


def test_html_part_is_plain_accessible_markup():
    markup = html_of(compose(code="042917"))

    assert '<html lang="en">' in markup
    assert re.search(r'<p style="[^"]*font-size:36px[^"]*">042917</p>', markup)
    for external in ("<img", "<link", "<script", "src=", "url(", "@import"):
        assert external not in markup


def test_every_value_in_the_html_part_is_escaped():
    message = compose(
        service_name='Book <b>SEND</b> & "friends"',
        base_url='https://book.example.org/?a=1&b="2"<x>',
    )

    markup = html_of(message)

    assert "<b>SEND</b>" not in markup
    assert "Book &lt;b&gt;SEND&lt;/b&gt; &amp; &quot;friends&quot;" in markup
    assert 'href="https://book.example.org/?a=1&amp;b=&quot;2&quot;&lt;x&gt;"' in markup
    # The text part is not HTML: it shows the name as written.
    assert 'Book <b>SEND</b> & "friends"' in text_of(message)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "12 34",
        "12345\n",
        "abcdef",
        "1234567890123",
        "\uff10\uff14\uff12\uff19\uff11\uff17",  # fullwidth digits: str.isdigit() is True
    ],
)
def test_a_malformed_code_is_refused(code):
    with pytest.raises(ValueError, match="code"):
        compose(code=code)


@pytest.mark.parametrize("valid_minutes", [0, -5])
def test_a_code_must_be_valid_for_some_time(valid_minutes):
    with pytest.raises(ValueError, match="valid_minutes"):
        compose(valid_minutes=valid_minutes)


@pytest.mark.parametrize(
    "base_url",
    ["javascript:alert(1)", "book.example.org", "https://", "https://book.example.org/\nX: y"],
)
def test_base_url_must_be_an_absolute_http_url(base_url):
    with pytest.raises(ValueError, match="base_url"):
        compose(base_url=base_url)


def test_a_service_name_with_a_line_break_is_refused():
    with pytest.raises(ValueError, match="service_name"):
        compose(service_name="Book\n123456")
