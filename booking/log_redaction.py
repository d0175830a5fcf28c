"""Keep credentials out of logs: personal feed URLs carry their token in the path."""

from __future__ import annotations

import logging
import re

# Any segment after /feeds/ is a (possibly mistyped) personal token, whatever its suffix, case
# or query string; only the public hub feeds (/feeds/hubs/...) are left as they are. A `.ics`
# suffix is kept so the log still says what kind of request it was.
_FEED_SEGMENT = re.compile(r"(/feeds/)(?!hubs/)([^/?#\s\"']+)", re.IGNORECASE)
_ICS_SUFFIX = re.compile(r"\.ics$", re.IGNORECASE)


def _replace(match: re.Match[str]) -> str:
    suffix = _ICS_SUFFIX.search(match[2])
    return f"{match[1]}[redacted]{suffix[0] if suffix else ''}"


def redact(text: str) -> str:
    return _FEED_SEGMENT.sub(_replace, text)


class RedactFeedTokens(logging.Filter):
    """Rewrites uvicorn's access-log arguments (and any message) before they are formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """Idempotent: every app start calls it, and filters must not pile up on the loggers."""
    for name in ("uvicorn.access", "uvicorn.error", "httpx"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
            logger.addFilter(RedactFeedTokens())
