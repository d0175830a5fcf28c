"""Mail transports: how a composed EmailMessage leaves the process.

FileTransport is the embedded default (development, demos, a pickup directory): every message
becomes an .eml file. SmtpTransport hands messages to a relay with aiosmtplib.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import secrets
import ssl
import tempfile
from datetime import UTC, datetime
from email.message import EmailMessage
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import aiosmtplib

from booking.ports import MailUnavailableError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
    from contextlib import AbstractAsyncContextManager

Security = Literal["none", "starttls", "tls"]
_SECURITY_MODES: tuple[Security, ...] = ("none", "starttls", "tls")

# Everything a network send can raise that means "not delivered now". SMTPTimeoutError is an
# SMTPException; asyncio's own TimeoutError and socket/TLS failures (OSError) are not.
_SMTP_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)


class MailRejectedError(MailUnavailableError):
    """The server refused this message for good (a 5xx reply to RCPT or DATA).

    A retry policy gives up on these. A 5xx to the sender (MAIL) or to AUTH stays a plain
    MailUnavailableError: it is our configuration that is wrong, and once it is fixed the same
    message can be delivered.
    """

    def __init__(self, detail: str, code: int | None = None) -> None:
        super().__init__(detail)
        self.code = code


class MailSession(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Deliver one message or raise MailUnavailableError (MailRejectedError if final)."""
        ...

    async def send_raw(self, sender: str, recipient: str, data: bytes) -> None:
        """Deliver stored bytes (policy.SMTP: CRLF, folded) exactly as they are, with this
        envelope; errors as send()."""
        ...


class MailTransport(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Deliver one message or raise MailUnavailableError (MailRejectedError if final)."""
        ...

    def session(self) -> AbstractAsyncContextManager[MailSession]:
        """One connection for consecutive sends, so the caller can record each as it goes."""
        ...

    async def send_batch(self, messages: Sequence[EmailMessage]) -> list[Exception | None]:
        """Deliver each message; one result per message, in order, None for delivered."""
        ...


def parse_security(value: str) -> Security:
    """Narrow a configured string (settings hold a StrEnum) to a Security mode."""
    for mode in _SECURITY_MODES:
        if value == mode:
            return mode
    raise ValueError(f"SMTP security must be one of {', '.join(_SECURITY_MODES)}, not {value!r}")


def build_transport(
    *,
    smtp_host: str | None,
    smtp_port: int,
    security: Security,
    username: str | None,
    password: str | None,
    mail_dir: Path,
) -> MailTransport:
    """SMTP when a host is configured, otherwise .eml files in mail_dir.

    Empty strings count as unset: an environment variable set to "" means "not configured".
    """
    if smtp_host:
        return SmtpTransport(
            smtp_host,
            smtp_port,
            security=security,
            username=username or None,
            password=password or None,
        )
    return FileTransport(mail_dir)


class FileTransport:
    """Writes each message to ``directory`` as ``<UTC time>-<random>.eml``.

    Names sort by time and carry nothing from the message (no address, no subject). A file
    appears whole or not at all: it is written under a dot-name and renamed into place.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._write, message)

    async def send_raw(self, _sender: str, _recipient: str, data: bytes) -> None:
        await asyncio.to_thread(self._write_bytes, data)

    async def send_batch(self, messages: Sequence[EmailMessage]) -> list[Exception | None]:
        return await asyncio.to_thread(self._write_all, list(messages))

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[MailSession]:
        yield self

    def _write_all(self, messages: list[EmailMessage]) -> list[Exception | None]:
        results: list[Exception | None] = []
        for message in messages:
            try:
                self._write(message)
            except (MailUnavailableError, ValueError) as exc:
                results.append(exc)
            else:
                results.append(None)
        return results

    def _write(self, message: EmailMessage) -> None:
        self._write_bytes(message.as_bytes(policy=email.policy.SMTP))

    def _write_bytes(self, data: bytes) -> None:
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(8)}.eml"
        try:
            # Checked on every write so a mail directory removed while running comes back.
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_atomically(self.directory, name, data)
        except OSError as exc:
            raise MailUnavailableError(f"cannot write mail to {self.directory}: {exc}") from exc


def _write_atomically(directory: Path, name: str, data: bytes) -> None:
    # mkstemp creates the file readable by its owner only: sign-in codes are secrets.
    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    temp_path = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # a message reported as sent must survive a crash
        temp_path.replace(directory / name)  # os.replace: atomic within one file system
    except BaseException:
        with contextlib.suppress(OSError):
            temp_path.unlink()
        raise


class SmtpTransport:
    """Sends through an SMTP relay: a connection per send, one shared connection per batch."""

    def __init__(
        self,
        hostname: str,
        port: int,
        *,
        security: Security,
        username: str | None,
        password: str | None,
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        parse_security(security)  # settings arrive as strings; fail at start-up, not at send
        if (username is None) != (password is None):
            raise ValueError("SMTP username and password must be given together")
        self.hostname = hostname
        self.port = port
        self.security = security
        self._username = username
        self._password = password
        self._timeout = timeout
        # None means the system trust store with host name checks (aiosmtplib's default).
        self._tls_context = tls_context

    async def send(self, message: EmailMessage) -> None:
        connection = _Connection(self._new_client, opens=1)
        try:
            await connection.send(message)
        finally:
            await connection.close()

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[MailSession]:
        connection = _Connection(self._new_client, opens=2)
        try:
            yield connection
        finally:
            await connection.close()

    async def send_batch(self, messages: Sequence[EmailMessage]) -> list[Exception | None]:
        connection = _Connection(self._new_client, opens=2)
        results: list[Exception | None] = []
        try:
            for message in messages:
                try:
                    await connection.send(message)
                except (MailUnavailableError, ValueError) as exc:
                    results.append(exc)
                else:
                    results.append(None)
        finally:
            await connection.close()
        return results

    def _new_client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.hostname,
            port=self.port,
            username=self._username,
            password=self._password,
            timeout=self._timeout,
            use_tls=self.security == "tls",
            # False, not None, for "none": None would upgrade whenever the server offers it.
            start_tls=self.security == "starttls",
            tls_context=self._tls_context,
        )


class _Connection:
    """One SMTP session used for consecutive messages, opened on first use.

    Servers drop sessions (idle timeouts, per-connection message limits, a 421): a batch may
    open one more connection and retry the message that met the drop. A failed open is final for
    the rest of the batch, so a dead server costs one timeout, not one per message.
    """

    def __init__(self, new_client: Callable[[], aiosmtplib.SMTP], *, opens: int) -> None:
        self._new_client = new_client
        self._opens_left = opens
        self._client: aiosmtplib.SMTP | None = None
        # Kept from the open (after any STARTTLS): aiosmtplib forgets it when it closes.
        self._transport: asyncio.BaseTransport | None = None
        self._open_failure: Exception | None = None

    async def send(self, message: EmailMessage) -> None:
        await self._with_reopen(partial(_deliver, message=message))

    async def send_raw(self, sender: str, recipient: str, data: bytes) -> None:
        await self._with_reopen(
            partial(_deliver_raw, sender=sender, recipient=recipient, data=data)
        )

    async def _with_reopen(self, deliver: Callable[[aiosmtplib.SMTP], Awaitable[None]]) -> None:
        client = await self._open_if_needed()
        try:
            await deliver(client)
        except MailRejectedError:
            raise
        except MailUnavailableError:
            if client.is_connected or self._opens_left == 0:
                raise
            await deliver(await self._open_if_needed())

    async def close(self) -> None:
        client, transport = self._client, self._transport
        self._client = self._transport = None
        if client is None:
            return
        if client.is_connected:
            with contextlib.suppress(*_SMTP_ERRORS):
                await client.quit()
        client.close()
        # After QUIT the session is over, so abort instead of waiting for the server's TLS
        # close_notify: that graceful shutdown can outlive the caller's event loop (a test, a
        # process stopping) and leave the socket open, which warns as an unclosed transport.
        if isinstance(transport, asyncio.WriteTransport):
            transport.abort()
            await asyncio.sleep(0)  # one loop turn runs the socket close that abort scheduled

    async def _open_if_needed(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        await self.close()  # the server dropped it: release the old socket first
        if self._open_failure is not None:
            raise _translate(self._open_failure) from self._open_failure
        if self._opens_left == 0:
            raise MailUnavailableError("the SMTP server closed the connection")
        self._opens_left -= 1
        client = self._new_client()
        try:
            await client.connect()
        except _SMTP_ERRORS as exc:
            self._open_failure = exc
            raise _translate(exc) from exc
        self._client, self._transport = client, client.transport
        return client


async def _deliver(client: aiosmtplib.SMTP, *, message: EmailMessage) -> None:
    try:
        refused, _ = await client.send_message(message)
    except _SMTP_ERRORS as exc:
        raise _translate(exc) from exc
    _check_refused(refused)


async def _deliver_raw(
    client: aiosmtplib.SMTP, *, sender: str, recipient: str, data: bytes
) -> None:
    """The stored bytes as they are: no parse and no second flatten (most of a send's CPU).
    8-bit bytes go as BODY=8BITMIME; a server without it gets the message re-encoded as 7-bit
    by send_message, as before."""
    try:
        if data.isascii():
            refused, _ = await client.sendmail(sender, [recipient], data)
        else:
            if client.is_ehlo_or_helo_needed:
                await client.ehlo()
            if not client.supports_extension("8bitmime"):
                await _deliver(client, message=_parse(data))
                return
            refused, _ = await client.sendmail(
                sender, [recipient], data, mail_options=["BODY=8BITMIME"]
            )
    except _SMTP_ERRORS as exc:
        raise _translate(exc) from exc
    _check_refused(refused)


def _parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.SMTP)
    if not isinstance(message, EmailMessage):  # pragma: no cover - policy.SMTP always gives one
        raise TypeError("expected an EmailMessage")
    return message


def _check_refused(refused: dict[str, aiosmtplib.SMTPResponse]) -> None:
    if refused:
        # Accepted for some recipients: a retry would send it to those twice, so give up.
        detail = "; ".join(
            f"{rcpt}: {reply.code} {reply.message}" for rcpt, reply in refused.items()
        )
        first_code = next(iter(refused.values())).code
        raise MailRejectedError(f"refused for some recipients: {detail}", code=first_code)


def _is_permanent(code: int) -> bool:
    return 500 <= code < 600  # noqa: PLR2004 - SMTP reply classes (RFC 5321 §4.2.1)


def _translate(exc: Exception) -> MailUnavailableError:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        codes = [r.code for r in exc.recipients]
        if codes and all(_is_permanent(code) for code in codes):
            return MailRejectedError(f"recipient refused: {detail}", code=codes[0])
        return MailUnavailableError(f"recipient deferred: {detail}")
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        if _is_permanent(exc.code):
            return MailRejectedError(f"message refused: {exc.code} {exc.message}", code=exc.code)
        return MailUnavailableError(f"message deferred: {exc.code} {exc.message}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return MailUnavailableError(f"SMTP server replied {exc.code} {exc.message}")
    return MailUnavailableError(f"SMTP server unavailable: {type(exc).__name__}: {exc}")
