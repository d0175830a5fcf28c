import email
import email.policy

from notifications.mailer import Mailer
from notifications.transports import SmtpTransport


async def test_a_sign_in_code_arrives_on_a_line_of_its_own(smtp_server):
    mailer = Mailer(
        SmtpTransport("127.0.0.1", smtp_server.port, security="none", username=None, password=None),
        sender="Book SEND training <bookings@example.org>",
        base_url="https://book.example.org",
    )

    await mailer.send_sign_in_code("teacher@school.example", "042917", 10)

    (delivery,) = smtp_server.handler.deliveries
    assert delivery.rcpt_tos == ["teacher@school.example"]
    received = email.message_from_bytes(delivery.content, policy=email.policy.default)
    assert received["Message-ID"].endswith("@book.example.org>")
    assert "042917" in received.get_body(("plain",)).get_content().splitlines()
    assert received.get_body(("html",)) is not None
