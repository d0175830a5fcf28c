"""The server's secret key: from BOOKING_SECRET_KEY, else generated once into a file."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from booking.settings import MIN_SECRET_KEY_LENGTH as MIN_LENGTH
from booking.settings import ServerSettings


def load_secret_key(settings: ServerSettings) -> bytes:
    """The key; ValueError when it is too short, OSError when its file cannot be read or made."""
    if settings.secret_key:
        if len(settings.secret_key) < MIN_LENGTH:
            raise ValueError(f"BOOKING_SECRET_KEY must be at least {MIN_LENGTH} characters")
        return settings.secret_key.encode()
    key = _from_file(settings.secret_key_file)
    if len(key) < MIN_LENGTH:
        # A file someone wrote by hand, or emptied: feed URLs derived from it would be guessable.
        raise ValueError(f"{settings.secret_key_file} holds fewer than {MIN_LENGTH} characters")
    return key


def _from_file(path: Path) -> bytes:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    try:
        # link() publishes the complete file or fails if one exists: two processes starting
        # together agree on whichever key came first, and nobody reads a half-written one.
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_bytes().strip()
    finally:
        tmp.unlink()
    return key
