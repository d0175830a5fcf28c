import asyncio
import email
import email.policy

import pytest

from booking.ports import MailUnavailableError
from notifications.messages import new_message
from notifications.transports import MailRejectedError, SmtpTransport


def message(n: int = 0, to: str = "teacher@school.example"):
    return new_message(
        sender="Book SEND training <bookings@example.org>",
        to=to,
        subject=f"Message {n} — ünïcode",
        text=f"Body {n} — ünïcode\n",
        html=None,
        domain="book.example.org",
    )


def transport(port: int, **options) -> SmtpTransport:
    return SmtpTransport(
        "127.0.0.1", port, security="none", username=None, password=None, **options
    )


def subjects(server) -> list[str]:
    return [
        email.message_from_bytes(d.content, policy=email.policy.default)["Subject"]
        for d in server.handler.deliveries
    ]


async def test_one_message_is_delivered_with_its_envelope(smtp_server):
    sent = message(1)

    await transport(smtp_server.port).send(sent)

    (delivery,) = smtp_server.handler.deliveries
    assert delivery.mail_from == "bookings@example.org"
    assert delivery.rcpt_tos == ["teacher@school.example"]
    received = email.message_from_bytes(delivery.content, policy=email.policy.default)
    assert received["Message-ID"] == sent["Message-ID"]
    assert received["Subject"] == "Message 1 — ünïcode"
    assert received.get_content().replace("\r\n", "\n") == "Body 1 — ünïcode\n"


async def test_each_send_opens_its_own_connection(smtp_server):
    smtp = transport(smtp_server.port)

    await smtp.send(message(1))
    await smtp.send(message(2))

    assert smtp_server.handler.connections == 2


async def test_a_batch_of_twenty_goes_over_one_connection(smtp_server):
    results = await transport(smtp_server.port).send_batch([message(n) for n in range(20)])

    assert results == [None] * 20
    assert subjects(smtp_server) == [f"Message {n} — ünïcode" for n in range(20)]
    assert len(smtp_server.handler.ehlo_peers) == 1
    assert len({d.peer for d in smtp_server.handler.deliveries}) == 1


async def test_an_empty_batch_opens_no_connection(smtp_server):
    assert await transport(smtp_server.port).send_batch([]) == []
    assert smtp_server.handler.connections == 0


async def test_a_stopped_server_is_mail_unavailable(smtp_server):
    smtp_server.stop()

    with pytest.raises(MailUnavailableError) as caught:
        await transport(smtp_server.port).send(message())

    assert not isinstance(caught.value, MailRejectedError)
    assert isinstance(caught.value.__cause__, OSError)


async def test_a_batch_to_a_stopped_server_fails_every_item(smtp_server):
    smtp_server.stop()

    results = await transport(smtp_server.port).send_batch([message(n) for n in range(3)])

    assert all(type(result) is MailUnavailableError for result in results)
    assert len({id(result) for result in results}) == 3


@pytest.fixture
async def silent_server():
    """Accepts TCP connections and never sends a greeting; counts the connections."""
    connections = []

    async def hold(reader, writer):
        connections.append(writer.get_extra_info("peername"))
        await reader.read()  # until the client gives up and closes
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield port, connections
    server.close()
    await server.wait_closed()


async def test_a_server_that_never_answers_times_out_as_unavailable(silent_server):
    port, _ = silent_server

    with pytest.raises(MailUnavailableError) as caught:
        await transport(port, timeout=0.3).send(message())

    assert isinstance(caught.value.__cause__, TimeoutError)


async def test_a_batch_to_a_silent_server_waits_for_one_timeout_not_one_per_message(
    silent_server,
):
    port, connections = silent_server

    results = await transport(port, timeout=0.3).send_batch([message(n) for n in range(4)])

    assert all(type(result) is MailUnavailableError for result in results)
    assert len(connections) == 1


async def test_a_permanent_refusal_is_rejected_and_the_rest_of_the_batch_delivered(start_server):
    server = start_server(refuse={"gone@school.example": "550 5.1.1 No such user"})
    batch = [message(1), message(2, to="gone@school.example"), message(3)]

    results = await transport(server.port).send_batch(batch)

    assert results[0] is None
    assert isinstance(results[1], MailRejectedError)
    assert results[1].code == 550
    assert "No such user" in str(results[1])
    assert results[2] is None
    assert subjects(server) == ["Message 1 — ünïcode", "Message 3 — ünïcode"]
    assert server.handler.connections == 1


async def test_a_permanent_refusal_raises_rejected_on_send(start_server):
    server = start_server(refuse={"gone@school.example": "550 5.1.1 No such user"})

    with pytest.raises(MailRejectedError) as caught:
        await transport(server.port).send(message(to="gone@school.example"))

    assert caught.value.code == 550


async def test_a_temporary_refusal_is_unavailable_but_not_rejected(start_server):
    server = start_server(refuse={"busy@school.example": "451 4.3.0 Try again later"})

    with pytest.raises(MailUnavailableError) as caught:
        await transport(server.port).send(message(to="busy@school.example"))

    assert not isinstance(caught.value, MailRejectedError)
    assert "451" in str(caught.value)


async def test_content_refused_after_data_is_rejected(start_server):
    server = start_server(data_reply={"Message 2": "554 5.6.0 Content refused"})

    results = await transport(server.port).send_batch([message(n) for n in range(1, 4)])

    assert results[0] is None
    assert isinstance(results[1], MailRejectedError)
    assert results[1].code == 554
    assert results[2] is None


async def test_a_batch_reconnects_once_when_the_server_drops_it(start_server):
    server = start_server(max_per_connection=3)

    results = await transport(server.port).send_batch([message(n) for n in range(5)])

    assert results == [None] * 5
    assert subjects(server) == [f"Message {n} — ünïcode" for n in range(5)]
    assert server.handler.connections == 2


async def test_a_batch_reconnects_only_once(start_server):
    server = start_server(max_per_connection=2)

    results = await transport(server.port).send_batch([message(n) for n in range(6)])

    assert results[:4] == [None] * 4
    assert all(type(result) is MailUnavailableError for result in results[4:])
    assert subjects(server) == [f"Message {n} — ünïcode" for n in range(4)]
    assert server.handler.connections == 2


async def test_concurrent_sends_each_deliver(smtp_server):
    smtp = transport(smtp_server.port)

    await asyncio.gather(*(smtp.send(message(n)) for n in range(10)))

    assert sorted(subjects(smtp_server)) == sorted(f"Message {n} — ünïcode" for n in range(10))


def stored(sent) -> bytes:
    return sent.as_bytes(policy=email.policy.SMTP)


async def test_stored_bytes_go_out_exactly_as_stored_with_8bitmime(smtp_server):
    data = stored(message(1))
    assert not data.isascii()  # the body is 8-bit: the server is told so

    async with transport(smtp_server.port).session() as connection:
        await connection.send_raw("bookings@example.org", "teacher@school.example", data)

    (delivery,) = smtp_server.handler.deliveries
    assert (delivery.mail_from, delivery.rcpt_tos) == (
        "bookings@example.org",
        ["teacher@school.example"],
    )
    assert delivery.content == data


async def test_8bit_bytes_to_a_relay_without_8bitmime_are_sent_as_7bit(start_server):
    server = start_server(offers={"SIZE", "SMTPUTF8", "HELP"})
    data = stored(message(2))

    async with transport(server.port).session() as connection:
        await connection.send_raw("bookings@example.org", "teacher@school.example", data)

    (delivery,) = server.handler.deliveries
    assert delivery.content.isascii()
    received = email.message_from_bytes(delivery.content, policy=email.policy.default)
    assert received.get_content().replace("\r\n", "\n") == "Body 2 — ünïcode\n"
    assert received["Message-ID"] == message_id(data)


def message_id(data: bytes) -> str:
    return email.message_from_bytes(data, policy=email.policy.default)["Message-ID"]
