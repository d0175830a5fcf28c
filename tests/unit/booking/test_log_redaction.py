"""Personal feed tokens never reach the logs, however the feed URL was spelled."""

from __future__ import annotations

import logging

import pytest

from booking.log_redaction import RedactFeedTokens, install, redact

TOKEN = "SECRETtoken_123-abc"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/feeds/{TOKEN}.ics", "/feeds/[redacted].ics"),
        (f"/feeds/{TOKEN}", "/feeds/[redacted]"),
        (f"/feeds/{TOKEN}.ICS", "/feeds/[redacted].ICS"),
        (f"/feeds/{TOKEN}.ics?utm=x", "/feeds/[redacted].ics?utm=x"),
        (f"/feeds/{TOKEN}?x=1", "/feeds/[redacted]?x=1"),
        (f"/feeds/{TOKEN}.ics#frag", "/feeds/[redacted].ics#frag"),
        (f"/feeds/{TOKEN}.txt", "/feeds/[redacted]"),
        (f"/feeds/{TOKEN}/more", "/feeds/[redacted]/more"),
        (f"/FEEDS/{TOKEN}.ics", "/FEEDS/[redacted].ics"),
        (f"/feeds/hubs{TOKEN}.ics", "/feeds/[redacted].ics"),
        (f"/feeds/hubs/{TOKEN}", f"/feeds/hubs/{TOKEN}"),  # public hub feeds carry no secret
        ("/feeds/hubs/01HUB.ics", "/feeds/hubs/01HUB.ics"),
        ("/api/v1/me/feed", "/api/v1/me/feed"),
        (
            f"GET https://h.example/feeds/{TOKEN}.ics and webcal://h.example/feeds/{TOKEN}",
            "GET https://h.example/feeds/[redacted].ics and webcal://h.example/feeds/[redacted]",
        ),
        (f'"GET /feeds/{TOKEN} HTTP/1.1" 404', '"GET /feeds/[redacted] HTTP/1.1" 404'),
    ],
)
def test_redact(path, expected):
    assert redact(path) == expected


def access_record(path: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )


@pytest.mark.parametrize(
    "path", [f"/feeds/{TOKEN}.ics", f"/feeds/{TOKEN}", f"/feeds/{TOKEN}.ICS?a=b"]
)
def test_the_filter_rewrites_access_log_arguments(path):
    record = access_record(path)
    assert RedactFeedTokens().filter(record)
    assert TOKEN not in record.getMessage()
    assert "/feeds/[redacted]" in record.getMessage()


def test_the_filter_rewrites_plain_messages():
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, f"HTTP Request: GET /feeds/{TOKEN}", None, None
    )
    RedactFeedTokens().filter(record)
    assert TOKEN not in record.getMessage()


def test_install_is_idempotent():
    install()
    install()
    for name in ("uvicorn.access", "uvicorn.error", "httpx"):
        filters = logging.getLogger(name).filters
        assert sum(isinstance(f, RedactFeedTokens) for f in filters) == 1
