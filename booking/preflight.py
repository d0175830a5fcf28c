"""Start-up checks of the paths the settings name
(docs/operations.md, Commands: one line, exit 2, no traceback).

booking.settings checks values; this checks what only the file system can answer: that the
SQLite file's directory, the secret key's file and the mail directory can be made and written.
Each failure is a SettingsError naming the variable, raised before anything is served. Root
passes every permission check, so writability is tried, not asked of os.access.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from booking.secret_key import load_secret_key
from booking.settings import Settings, SettingsError


def directory_problem(directory: Path) -> str | None:
    """Why files cannot be written in `directory` (made if missing), or None when they can."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix=".write-check-")
        os.close(fd)
        Path(name).unlink()
    except OSError as exc:
        return f"cannot write in {directory}: {exc.strerror or exc}"
    return None


def check_database_path(settings: Settings) -> None:
    """SQLite's file: its directory writable, and the file itself when it exists."""
    url = make_url(settings.database.url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    path = Path(url.database)
    problem = directory_problem(path.parent)
    if problem is None and path.exists():
        try:
            with path.open("r+b"):
                pass
        except OSError as exc:
            problem = f"cannot write {path}: {exc.strerror or exc}"
    if problem is not None:
        raise SettingsError(f"BOOKING_DATABASE_URL: {problem}")


def check_secret_key(settings: Settings) -> None:
    """The key loads (from the variable, or its file, made on first start)."""
    if settings.server.secret_key:
        return  # its length is a value rule (booking.settings)
    path = settings.server.secret_key_file
    try:
        load_secret_key(settings.server)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SettingsError(
            f"BOOKING_SECRET_KEY_FILE: cannot read or create {path}: {reason}"
        ) from None
    except ValueError as exc:
        raise SettingsError(f"BOOKING_SECRET_KEY_FILE: {exc}") from None


def check_mail_dir(settings: Settings) -> None:
    """Mail is written as files when no SMTP server is set: the directory must take them."""
    if settings.mail.smtp_host:
        return
    problem = directory_problem(settings.mail.mail_dir)
    if problem is not None:
        raise SettingsError(f"BOOKING_MAIL_DIR: {problem}")


def check_serving(settings: Settings) -> None:
    """Everything `booking serve` needs before it may say it is serving."""
    check_database_path(settings)
    check_secret_key(settings)
    check_mail_dir(settings)


__all__ = [
    "check_database_path",
    "check_mail_dir",
    "check_secret_key",
    "check_serving",
    "directory_problem",
]
