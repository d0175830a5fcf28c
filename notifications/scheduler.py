"""The in-process timer (docs/architecture.md, The timer).

APScheduler 3.11 runs in memory in every process and only wakes the process up; the work
itself is rows in our own tables, claimed under row locks, so several processes (or a process
restarted after a crash) neither lose nor repeat it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]
# On shutdown, a job that is running gets this long to finish its transaction.
STOP_GRACE_SECONDS = 5.0


class Ticker:
    """Interval jobs (name -> (coroutine function, seconds)); a run still going when the next is
    due is skipped rather than stacked, and stop() lets running ones finish before returning."""

    def __init__(self, jobs: dict[str, tuple[Job, float]]) -> None:
        self._running: set[asyncio.Task[object]] = set()
        self._busy: set[str] = set()
        self._again: set[str] = set()
        self._stopped = False
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        for name, (job, seconds) in jobs.items():
            self._scheduler.add_job(
                self._tracked(name, job),
                "interval",
                seconds=seconds,
                id=name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )

    def start(self) -> None:
        self._scheduler.start()

    async def stop(self) -> None:
        # A run the executor had already created but not yet started must not begin once the
        # caller goes on to close the database.
        self._stopped = True
        self._scheduler.pause()
        if self._running:
            # Let running jobs end first: APScheduler's shutdown cancels the tasks it started,
            # and a job cancelled mid-transaction leaves its connection half-closed.
            await asyncio.wait(set(self._running), timeout=STOP_GRACE_SECONDS)
        self._scheduler.shutdown(wait=False)

    def job_names(self) -> list[str]:
        return sorted(job.id for job in self._scheduler.get_jobs())

    def kick(self, name: str) -> None:
        """Run `name` now; if it is running, once more when it ends (a wake is never lost)."""
        if self._stopped:
            return
        if name in self._busy:
            self._again.add(name)
        else:
            self.wake_at(name, datetime.now(UTC))

    def wake_in(self, name: str, seconds: float) -> None:
        """wake_at, for a delay measured on the caller's clock (which tests may freeze)."""
        self.wake_at(name, datetime.now(UTC) + timedelta(seconds=max(seconds, 0.0)))

    def wake_at(self, name: str, when: datetime) -> None:
        """Bring the next run of `name` forward to `when` (never later than it already is)."""
        job = self._scheduler.get_job(name)
        if job is None or not self._scheduler.running:
            return
        if job.next_run_time is None or when < job.next_run_time:
            job.modify(next_run_time=when)

    def _tracked(self, name: str, job: Job) -> Job:
        async def run() -> object:
            if self._stopped:
                return None
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            self._busy.add(name)
            try:
                result = await self._guarded(name, job)
                # A kick that came while running is served here: APScheduler would skip a run
                # asked for while this instance still counts as running.
                while name in self._again:
                    self._again.discard(name)
                    result = await self._guarded(name, job)
                return result
            finally:
                self._busy.discard(name)
                if task is not None:
                    self._running.discard(task)

        return run

    @staticmethod
    async def _guarded(name: str, job: Job) -> object:
        try:
            return await job()
        except Exception:
            # A failed run is retried at the next tick; the work stays in its rows meanwhile.
            log.exception("scheduled job %s failed", name)
            return None
