"""Debian's chromium, driven by Playwright: found, launched, or the test skipped (failed in CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Playwright's own browser download cannot work here (issue 7): Debian's package, headless, quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> Path:
    """The chromium binary, or skip — except under CI=true, where a missing one fails the test."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/run does it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: browser tests may not be skipped)")
    pytest.skip(message)
    raise AssertionError  # unreachable; pytest.skip raises
