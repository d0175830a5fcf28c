"""A real SMTP server (aiosmtpd) on 127.0.0.1 that records what it is sent."""

import email
import email.policy
import shutil
import socket
import ssl
import subprocess
from collections import Counter
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Delivery:
    peer: tuple[str, int]
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    login: bytes | None


class RecordingHandler:
    """Accepts mail, except where told to refuse; counts sessions by their EHLO."""

    def __init__(self, *, refuse=None, data_reply=None, max_per_connection=None, offers=None):
        self.refuse = refuse or {}  # recipient -> SMTP reply
        self.offers = offers  # None: every extension aiosmtpd offers; else only these
        self.data_reply = data_reply  # subject prefix -> SMTP reply
        self.max_per_connection = max_per_connection
        self.deliveries: list[Delivery] = []
        self.ehlo_peers: list[tuple[str, int]] = []
        self._mails = Counter()

    @property
    def connections(self) -> int:
        return len(set(self.ehlo_peers))

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802, ARG002 - aiosmtpd hook
        session.host_name = hostname  # the 5-argument hook takes this over from aiosmtpd
        self.ehlo_peers.append(session.peer)
        if self.offers is None:
            return responses
        # "250-EXTENSION ..." lines; the first (greeting) and HELP-like ones always stay.
        return [
            r for r in responses if r[4:].split(" ")[0].upper() in self.offers or r == responses[0]
        ]

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802, ARG002 - aiosmtpd hook
        self._mails[session.peer] += 1
        if self.max_per_connection and self._mails[session.peer] > self.max_per_connection:
            return "421 4.7.0 Too many messages on this connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802, ARG002 - aiosmtpd hook
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        subject = email.message_from_bytes(envelope.content, policy=email.policy.default)["Subject"]
        for prefix, reply in (self.data_reply or {}).items():
            if subject.startswith(prefix):
                return reply
        login = session.auth_data.login if session.authenticated else None
        self.deliveries.append(
            Delivery(
                peer=session.peer,
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                content=envelope.content,
                # session.ssl is only set by STARTTLS; implicit TLS shows on the transport.
                tls=session.ssl is not None
                or server.transport.get_extra_info("ssl_object") is not None,
                login=login,
            )
        )
        return "250 2.0.0 Queued"


@dataclass
class Server:
    controller: Controller
    handler: RecordingHandler
    port: int

    running: bool = True

    def stop(self):
        if self.running:
            self.running = False
            self.controller.stop()


def free_port() -> int:
    # The port is free when we look; another process could take it before the server binds,
    # which on a test machine is rare enough to accept.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def start_server():
    servers: list[Server] = []

    def start(
        *, refuse=None, data_reply=None, max_per_connection=None, offers=None, **smtp_options
    ) -> Server:
        handler = RecordingHandler(
            refuse=refuse,
            data_reply=data_reply,
            max_per_connection=max_per_connection,
            offers=offers,
        )
        port = free_port()
        controller = Controller(
            handler, hostname="127.0.0.1", port=port, ready_timeout=15, **smtp_options
        )
        controller.start()
        server = Server(controller, handler, port)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(start_server) -> Server:
    return start_server()


@dataclass
class Certificate:
    cert: str
    key: str

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cert)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> Certificate:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed, so no test certificate can be made")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return Certificate(str(cert), str(key))
