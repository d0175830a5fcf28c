import contextlib
from pathlib import Path

import pytest

from notifications.messages import new_message
from notifications.transports import SmtpTransport

PROC_TCP = Path("/proc/net/tcp")
pytestmark = pytest.mark.skipif(
    not PROC_TCP.exists(), reason="counting open sockets needs Linux /proc/net/tcp"
)


def open_sockets_to(port: int) -> int:
    """Sockets of this process connected to 127.0.0.1:port, read from /proc."""
    ours = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):  # the fd of the listing itself is gone by now
            target = str(fd.readlink())
            if target.startswith("socket:["):
                ours.add(target[len("socket:[") : -1])
    count = 0
    for line in PROC_TCP.read_text().splitlines()[1:]:
        fields = line.split()
        remote_port = int(fields[2].split(":")[1], 16)
        if remote_port == port and fields[9] in ours:
            count += 1
    return count


def message():
    return new_message(
        sender="bookings@example.org",
        to="teacher@school.example",
        subject="Cleanup",
        text="Body\n",
        html=None,
        domain="book.example.org",
    )


async def test_a_plain_send_leaves_no_socket_open(smtp_server):
    await SmtpTransport(
        "127.0.0.1", smtp_server.port, security="none", username=None, password=None
    ).send(message())

    assert open_sockets_to(smtp_server.port) == 0


def tls_server(start_server, certificate, security, **options):
    if security == "tls":
        return start_server(ssl_context=certificate.server_context(), **options)
    return start_server(tls_context=certificate.server_context(), require_starttls=True, **options)


def tls_transport(port, certificate, security):
    return SmtpTransport(
        "127.0.0.1",
        port,
        security=security,
        username=None,
        password=None,
        tls_context=certificate.client_context(),
    )


@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_a_tls_send_leaves_no_socket_open(start_server, certificate, security):
    # A graceful TLS close waits for the server's close_notify, which can outlive the caller.
    server = tls_server(start_server, certificate, security)

    await tls_transport(server.port, certificate, security).send(message())

    assert len(server.handler.deliveries) == 1
    assert open_sockets_to(server.port) == 0


@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_a_tls_batch_that_reconnects_leaves_no_socket_open(
    start_server, certificate, security
):
    server = tls_server(start_server, certificate, security, max_per_connection=2)

    results = await tls_transport(server.port, certificate, security).send_batch(
        [message() for _ in range(4)]
    )

    assert results == [None] * 4
    assert server.handler.connections == 2
    assert open_sockets_to(server.port) == 0
