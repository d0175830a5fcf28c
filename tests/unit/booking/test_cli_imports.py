"""The maintenance commands start without importing the web app (it is the slow import)."""

from __future__ import annotations

import subprocess
import sys

from tests.support.processes import ROOT

SCRIPT = """
import sys
import booking.cli
heavy = sorted(m for m in ("booking.app", "booking.serving", "litestar") if m in sys.modules)
print(",".join(heavy))
"""


def test_importing_the_cli_leaves_the_app_for_serve_and_worker():
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


def test_the_control_sees_the_app_once_serve_imports_it():
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", "import booking.serving\n" + SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "booking.app,booking.serving,litestar"
