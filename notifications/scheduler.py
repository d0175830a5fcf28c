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
        # The earliest wake-up (a kick is one for now) asked for while a run is going:
        # APScheduler would skip a run falling due before this one ends (max_instances=1), and
        # the next would come only at the interval.
        self._wake_after: dict[str, datetime] = {}
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
        self.wake_at(name, datetime.now(UTC))

    def wake_in(self, name: str, seconds: float) -> None:
        """wake_at, for a delay measured on the caller's clock (which tests may freeze)."""
        self.wake_at(name, datetime.now(UTC) + timedelta(seconds=max(seconds, 0.0)))

    def wake_at(self, name: str, when: datetime) -> None:
        """Bring the next run of `name` forward to `when` (never later than it already is); if
        it is running, the run after it comes at `when` or as soon as it ends."""
        job = self._scheduler.get_job(name)
        if self._stopped or job is None or not self._scheduler.running:
            return
        if name in self._busy:
            earlier = self._wake_after.get(name)
            self._wake_after[name] = when if earlier is None else min(earlier, when)
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
                # A wake-up that came while running and is due now is served here.
                while self._due_again(name):
                    result = await self._guarded(name, job)
                return result
            finally:
                self._busy.discard(name)
                if task is not None:
                    self._running.discard(task)
                later = self._wake_after.pop(name, None)
                if later is not None:
                    self.wake_at(name, later)

        return run

    def _due_again(self, name: str) -> bool:
        later = self._wake_after.get(name)
        if later is not None and later <= datetime.now(UTC):
            del self._wake_after[name]
            return True
        return False

    @staticmethod
    async def _guarded(name: str, job: Job) -> object:
        try:
            return await job()
        except Exception:
            # A failed run is retried at the next tick; the work stays in its rows meanwhile.
            log.exception("scheduled job %s failed", name)
            return None
