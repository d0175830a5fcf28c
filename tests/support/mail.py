"""Reading what the service sent: the `.eml` files of the file transport."""

from __future__ import annotations

import email
import re
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

CODE_LINE = re.compile(r"^\s*(\d{6})\s*$", re.MULTILINE)


# Parsed mails by file and its (size, mtime): a served process's mail directory grows through a
# run, and a test polling it for a code parsed every mail in it on every poll.
_PARSED: dict[Path, tuple[tuple[int, int], EmailMessage]] = {}


def messages(mail_dir: Path) -> list[EmailMessage]:
    if not mail_dir.exists():
        return []
    return [_parsed(path) for path in sorted(mail_dir.glob("*.eml"))]


def _parsed(path: Path) -> EmailMessage:
    stat = path.stat()
    version = (stat.st_size, stat.st_mtime_ns)
    cached = _PARSED.get(path)
    if cached is not None and cached[0] == version:
        return cached[1]
    message = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    _PARSED[path] = (version, message)
    return message


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "every mail has a text part"
    content = part.get_content()
    assert isinstance(content, str)
    return content


def last_code(mail_dir: Path, to: str) -> str:
    """The sign-in code of the newest mail to `to`, read from its own line in the text part."""
    # Booking mails to the same address may sit beside it: only sign-in mails count.
    sent = [m for m in messages(mail_dir) if m["To"] == to and "sign-in code" in str(m["Subject"])]
    assert sent, f"no sign-in mail to {to}"
    match = CODE_LINE.search(text_part(sent[-1]))
    assert match, "the code stands on a line of its own"
    return match.group(1)


def to(mail_dir: Path, address: str) -> list[EmailMessage]:
    """Every mail written for `address`, oldest first."""
    return [m for m in messages(mail_dir) if address in str(m["To"])]


def calendar_part(message: EmailMessage) -> bytes | None:
    """The text/calendar alternative of an invite mail, decoded; None for a plain mail."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    return None
