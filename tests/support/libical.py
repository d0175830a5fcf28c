"""libical, an independent C implementation of RFC 5545/5546, as a validator for our calendars.

Its RFC 5546 restriction tables (which properties a REQUEST or CANCEL must, may or must not
carry) are what `check_restrictions()` applies. The bindings come from Debian
(`gir1.2-ical-3.0` + `python3-gi`, installed by .ci/run) and only load in Debian's own Python,
so the check runs there in a subprocess, all calendars of a test in one call.
Without them the tests skip locally and fail under CI=true (a validator that never runs proves
nothing).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass

import pytest

SYSTEM_PYTHON = "/usr/bin/python3"
PACKAGES = "gir1.2-ical-3.0 and python3-gi"

_CHECK = """
import json, sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib
results = []
for text in json.load(sys.stdin):
    component = ICalGLib.Component.new_from_string(text)
    if component is None:
        results.append({"parsed": False, "restrictions_ok": False, "errors": 1, "marked": ""})
        continue
    ok = component.check_restrictions() == 1
    errors = component.count_errors()
    marked = component.as_ical_string() if not ok or errors else ""
    results.append({"parsed": True, "restrictions_ok": ok, "errors": errors, "marked": marked})
json.dump(results, sys.stdout)
"""


@dataclass(frozen=True, slots=True)
class Verdict:
    parsed: bool
    restrictions_ok: bool
    errors: int
    # The calendar as libical reads it back, with its X-LIC-ERROR lines, when it objected.
    marked: str

    @property
    def valid(self) -> bool:
        return self.parsed and self.restrictions_ok and self.errors == 0


def _missing() -> str | None:
    if shutil.which(SYSTEM_PYTHON) is None:
        return f"{SYSTEM_PYTHON} is not there"
    probe = subprocess.run(  # noqa: S603 - a fixed interpreter and script
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('ICalGLib', '3.0')"],
        capture_output=True,
        check=False,
        timeout=60,
    )
    if probe.returncode != 0:
        return f"libical's bindings do not load ({PACKAGES} missing?)"
    return None


def require_libical() -> None:
    """Skip locally, fail under CI=true, when libical cannot be loaded."""
    missing = _missing()
    if missing is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"libical is required under CI=true: {missing}")
    pytest.skip(missing)


def libical_verdicts(calendars: list[bytes]) -> list[Verdict]:
    require_libical()
    done = subprocess.run(  # noqa: S603 - a fixed interpreter and script
        [SYSTEM_PYTHON, "-c", _CHECK],
        input=json.dumps([c.decode("utf-8") for c in calendars]),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return [Verdict(**row) for row in json.loads(done.stdout)]
