"""Reading a calendar a teacher gives us, away from the event loop.

Parsing and expanding a 1 MiB calendar is seconds of pure-Python CPU. Run on the event loop it
stalled every other request of the process for that long, and any signed-in teacher could do it
at will; run in a thread it still took the interpreter from the loop for a tenth of a second at
a time (long C calls over the whole text hold the GIL). So it runs in a worker process of its
own, one per serving process, started on first use: calendars are read one at a time, so a
burst of uploads queues instead of sharing the CPU, and the expansion has a CPU budget
(calendars.timetable_ics: over it, or over 20,000 occurrences, the calendar is refused as too
large). A worker that does not answer within READ_TIMEOUT is stopped and the calendar refused,
and one whose reading needs more memory than MEMORY_LIMIT is refused too (the worker lives on).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import resource
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver
from typing import TypeVar

from calendars import timetable as tt
from calendars.intervals import Interval

log = logging.getLogger(__name__)
T = TypeVar("T")

# Far above the expansion's own CPU budget: only a parse that hangs (or a machine that has
# stopped) gets here.
READ_TIMEOUT = 60.0
# The worker's heap (RLIMIT_DATA: what it allocates, not the libraries it maps). Reading a 1 MiB
# calendar of 7,800 events peaks at about 105 MB in all; a calendar whose expansion piles up
# occurrences without end meets MemoryError here rather than the machine's memory.
MEMORY_LIMIT = 1024 * 1024 * 1024
# The worker starts from a small fresh interpreter (not a fork of this process and its
# threads) with the calendar libraries already imported.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["calendars.timetable"])


def _limit_memory(limit: int) -> None:
    """Run in the worker as it starts."""
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def prepare() -> None:
    """Start the forkserver the workers are made from now, in the background, so that the
    first calendar a served process reads does not wait for the calendar libraries to load."""
    forkserver.ensure_running()


class CalendarImport:
    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def entries(self, data: bytes, window: Interval) -> list[tt.BusyEntry]:
        """A calendar given now, read strictly (tt.import_ics): every event readable, or
        UnreadableEventError; more than the limits allow, CalendarTooLargeError."""
        return await self.run(tt.import_ics, data, window)

    async def expanded(self, user_id: str, data: bytes, window: Interval) -> list[tt.BusyEntry]:
        """A calendar kept earlier, read again for a new window (leniently: it was checked when
        it was given). One that no longer fits the limits counts as empty."""
        try:
            return await self.run(tt.expand_ics, data, window)
        except tt.InvalidCalendarError:
            log.warning("timetable of %s cannot be expanded over %s", user_id, window)
            return []

    async def run(
        self, read: Callable[[bytes, Interval, tt.Limits], T], data: bytes, window: Interval
    ) -> T:
        """`read(data, window, limits)` in the worker (a module-level function: it is sent by
        name)."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=_CONTEXT,
                initializer=_limit_memory,
                initargs=(MEMORY_LIMIT,),
            )
        limits = tt.Limits.current()  # decided here, where tests and settings can set them
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, read, data, window, limits)
        try:
            return await asyncio.wait_for(future, READ_TIMEOUT)
        except (TimeoutError, BrokenProcessPool) as exc:
            log.warning("a calendar was not read: %s", type(exc).__name__)
            self.close()  # a stuck or dead worker is replaced on the next use
            raise tt.CalendarTooLargeError("the calendar could not be read in time") from exc
        except MemoryError as exc:
            log.warning("a calendar was not read: it needed more than %d bytes", MEMORY_LIMIT)
            raise tt.CalendarTooLargeError("the calendar is too complex to read") from exc

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            for process in list(pool._processes.values()):  # noqa: SLF001 - no public kill
                process.kill()
            pool.shutdown(wait=False, cancel_futures=True)
