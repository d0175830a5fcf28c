import email
import email.policy

import pytest

from notifications.mailer import Mailer, message_id_domain
from notifications.transports import FileTransport, MailRejectedError


def mailer(tmp_path, base_url="https://book.example.org"):
    return Mailer(
        FileTransport(tmp_path),
        sender="Book SEND training <bookings@example.org>",
        base_url=base_url,
    )


def only_message(tmp_path):
    (path,) = tmp_path.glob("*.eml")
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


async def test_sends_the_code_to_the_address(tmp_path):
    await mailer(tmp_path).send_sign_in_code("teacher@school.example", "042917", 15)

    sent = only_message(tmp_path)
    assert sent["To"] == "teacher@school.example"
    assert sent["From"].addresses[0].addr_spec == "bookings@example.org"
    text = sent.get_body(("plain",)).get_content()
    assert "042917" in text.splitlines()
    assert "15 minutes" in text
    assert "https://book.example.org" in text


async def test_message_id_uses_the_host_of_the_base_url(tmp_path):
    await mailer(tmp_path, "https://Book.Example.org:8443/app").send_sign_in_code(
        "teacher@school.example", "042917", 15
    )

    assert only_message(tmp_path)["Message-ID"].endswith("@book.example.org>")


@pytest.mark.parametrize(
    ("base_url", "domain"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1"),
        ("http://[::1]:8000", "localhost"),
        ("https://book.example.org", "book.example.org"),
    ],
)
def test_message_id_domain_falls_back_to_localhost(base_url, domain):
    assert message_id_domain(base_url) == domain


@pytest.mark.parametrize(
    "address",
    ["teacher@school.example, victim@example.org", "t@s.example\r\nBcc: v@e.org", "zoë@s.example"],
)
async def test_an_address_we_cannot_send_to_is_a_final_refusal(tmp_path, address):
    with pytest.raises(MailRejectedError):
        await mailer(tmp_path).send_sign_in_code(address, "042917", 15)

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("sender", "base_url"),
    [
        ("not an address", "https://book.example.org"),
        ("a@example.org, b@example.org", "https://book.example.org"),
        ("bookings@example.org", "book.example.org"),
    ],
)
def test_bad_configuration_fails_when_the_mailer_is_built(tmp_path, sender, base_url):
    with pytest.raises(ValueError, match=r"sender|base_url"):
        Mailer(FileTransport(tmp_path), sender=sender, base_url=base_url)
