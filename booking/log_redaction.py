"""Keep credentials out of logs: personal feed URLs carry their token in the path."""

from __future__ import annotations

import logging
import re

_FEED_TOKEN = re.compile(r"(/feeds/)(?!hubs/)[^/?\s]+(\.ics)")


def redact(text: str) -> str:
    return _FEED_TOKEN.sub(r"\1[redacted]\2", text)


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
