"""The calendar worker process: a read that needs more memory than the worker may have is
refused as too large, and the worker goes on reading the next calendar."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from booking.services import calendar_import
from booking.services.calendar_import import CalendarImport
from calendars.intervals import Interval
from calendars.timetable import CalendarTooLargeError
from tests.integration.calendars.test_timetables_api import weekly_ics
from tests.support.memory_hog import hold_mebibytes

WINDOW = Interval(datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC))


async def test_a_read_needing_more_memory_than_the_limit_is_refused_and_the_worker_goes_on():
    over = calendar_import.MEMORY_LIMIT // (1024 * 1024) + 256
    reader = CalendarImport()
    try:
        # The control: well inside the limit, the same read is done.
        assert await reader.run(hold_mebibytes, b"200", WINDOW) == 200
        with pytest.raises(CalendarTooLargeError, match="too complex"):
            await reader.run(hold_mebibytes, str(over).encode(), WINDOW)
        entries = await reader.entries(weekly_ics("Y9 maths"), WINDOW)
        assert len(entries) == 7  # the Mondays from 11 January to 22 February 2027
        assert {e.summary for e in entries} == {"Y9 maths"}
    finally:
        reader.close()
