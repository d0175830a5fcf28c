"""The maintenance commands start without importing the web app (it is the slow import)."""

from __future__ import annotations

import subprocess
import sys

from tests.support.processes import ROOT

HEAVY = ("booking.app", "booking.serving", "litestar")


def heavy_after(imports: str) -> str:
    """The heavy modules loaded in a fresh interpreter once `imports` and booking.cli are."""
    script = (
        f"import sys\n{imports}\nimport booking.cli\n"
        f"print(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_importing_the_cli_leaves_the_app_for_serve_and_worker():
    assert heavy_after("") == ""


def test_the_control_sees_the_app_once_serve_imports_it():
    assert heavy_after("import booking.serving") == "booking.app,booking.serving,litestar"
