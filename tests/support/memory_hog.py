"""A stand-in for a calendar read, run in the calendar worker: it holds as many MiB as the
data says (tests/integration/calendars/test_calendar_worker.py)."""

from __future__ import annotations

from calendars.intervals import Interval
from calendars.timetable import Limits


def hold_mebibytes(data: bytes, _window: Interval, _limits: Limits) -> int:
    block = bytearray(int(data) * 1024 * 1024)
    block[-1] = 1  # touched, so the memory is really the worker's
    return len(block) // (1024 * 1024)
