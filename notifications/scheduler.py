"""The in-process timer (DESIGN.md, Event-driven core, 4).

APScheduler 3.11 runs in memory in every process and only wakes the process up; the work
itself is rows in our own tables, claimed under row locks, so several processes (or a process
restarted after a crash) neither lose nor repeat it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


def build_scheduler(jobs: dict[str, tuple[Job, float]]) -> AsyncIOScheduler:
    """One interval job per entry (name -> (coroutine function, seconds)); a run that is still
    going when the next is due is skipped rather than stacked."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    for name, (job, seconds) in jobs.items():
        scheduler.add_job(
            _logged(name, job),
            "interval",
            seconds=seconds,
            id=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    return scheduler


def _logged(name: str, job: Job) -> Job:
    async def run() -> object:
        try:
            return await job()
        except Exception:
            # A failed run is retried at the next tick; the work stays in its rows meanwhile.
            log.exception("scheduled job %s failed", name)
            return None

    return run
