"""A real SMTP server (aiosmtpd, in its own thread) for tests that run `booking serve` processes.

It records every message it accepts, with the process that sent it: the client socket of each
SMTP session is looked up in /proc (Linux), so a test can show which of several processes did
the work. It can be slow on purpose (a DATA delay), and it can hold one message: record it as
accepted, then keep the client waiting for the reply, so a test can kill the sender exactly
between the server's acceptance and the sender recording it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Self

from aiosmtpd.controller import Controller

from tests.support.mail import CODE_LINE, text_part
from tests.support.processes import free_port
from tests.support.race import HttpClient

# A held reply is given up after this long, so a test that fails before its kill cannot hang.
HOLD_LIMIT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Received:
    peer_port: int
    pid: int | None  # the watched process that owned the client socket; None if none did
    message_id: str
    to: str
    subject: str
    content: bytes

    @property
    def message(self) -> EmailMessage:
        message = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


class SmtpSink:
    """aiosmtpd's Controller (its own thread and event loop) with a recording handler."""

    def __init__(self, *, delay: float = 0.0, hold_at: int | None = None) -> None:
        self.port = free_port()
        self.delay = delay
        self.hold_at = hold_at
        # Set when the hold_at-th message has been recorded and its reply is being held.
        self.held = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._pids: set[int] = set()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=15)

    def __enter__(self) -> Self:
        self._controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._release.set()
        self._controller.stop()

    def watch(self, pid: int) -> None:
        """Attribute sessions whose client socket belongs to `pid`."""
        with self._lock:
            self._pids.add(pid)

    def release(self) -> None:
        self._release.set()

    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def count(self) -> int:
        with self._lock:
            return len(self._received)

    def message_ids(self) -> Counter[str]:
        return Counter(r.message_id for r in self.received())

    async def handle_DATA(self, _server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        peer_port = int(session.peer[1])
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        received = Received(
            peer_port=peer_port,
            pid=self._owner(session, peer_port),
            message_id=str(message["Message-ID"]),
            to=str(message["To"]),
            subject=str(message["Subject"]),
            content=bytes(envelope.content),
        )
        with self._lock:
            self._received.append(received)
            count = len(self._received)
        if count == self.hold_at:
            # Accepted (recorded, as an MTA that has queued it) but the reply is not sent yet.
            # A client killed now never learns the mail went out. aiosmtpd cancels this
            # coroutine when the connection is lost.
            self.held.set()
            await asyncio.to_thread(self._release.wait, HOLD_LIMIT_SECONDS)
        elif self.delay:
            await asyncio.sleep(self.delay)
        return "250 2.0.0 Queued"

    def _owner(self, session: Any, peer_port: int) -> int | None:
        # One lookup per SMTP session, while its socket is certainly open.
        cached = getattr(session, "owner_pid", 0)
        if cached != 0:
            return cached  # type: ignore[no-any-return]
        with self._lock:
            pids = sorted(self._pids)
        owner = socket_owner(peer_port, self.port, pids)
        session.owner_pid = owner
        return owner


def socket_owner(local_port: int, remote_port: int, pids: Sequence[int]) -> int | None:
    """Which of `pids` holds the TCP socket 127.0.0.1:local_port -> :remote_port (Linux /proc)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.rsplit(":", 1)[1], 16) == local_port and (
            int(remote.rsplit(":", 1)[1], 16) == remote_port
        ):
            inode = fields[9]
            break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if str(fd.readlink()) == target:
                        return pid
                except OSError:
                    continue  # closed while we looked
        except OSError:
            continue  # the process has gone
    return None


def sign_in_code(sink: SmtpSink, address: str) -> str:
    """The code of the one sign-in mail the sink received for `address`."""
    mails = [r for r in sink.received() if r.to == address and "sign-in code" in r.subject]
    assert len(mails) == 1, f"{len(mails)} sign-in mails to {address}"
    match = CODE_LINE.search(text_part(mails[0].message))
    assert match, "the code stands on a line of its own"
    return match.group(1)


async def sign_in_teachers_over_smtp(
    clients: Sequence[HttpClient], sink: SmtpSink, emails: Sequence[str]
) -> list[str]:
    """tests.support.race.sign_in_teachers, with the codes read from what the sink received:
    codes requested all at once over `clients`, then exchanged all at once."""

    async def request(i: int, address: str) -> None:
        client = clients[i % len(clients)]
        response = await client.post("/api/v1/auth/email-code", json={"email": address})
        assert response.status_code == 202, response.text

    await asyncio.gather(*(request(i, e) for i, e in enumerate(emails)))

    async def exchange(i: int, address: str) -> str:
        client = clients[i % len(clients)]
        response = await client.post(
            "/api/v1/auth/token", json={"email": address, "code": sign_in_code(sink, address)}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["api_token"])

    return list(await asyncio.gather(*(exchange(i, e) for i, e in enumerate(emails))))
