"""The in-process timer: interval runs, kicks (never lost, never stacked), wake-ups, stop."""

from __future__ import annotations

import asyncio

from notifications.scheduler import Ticker

LONG = 3600.0  # an interval that never fires during a test: only kicks and wake-ups run jobs


class Job:
    def __init__(self, hold: float = 0.0) -> None:
        self.runs = 0
        self.running = 0
        self.most_at_once = 0
        self.hold = hold
        self.started = asyncio.Event()

    async def __call__(self) -> int:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.started.set()
        try:
            await asyncio.sleep(self.hold)
            self.runs += 1
            return self.runs
        finally:
            self.running -= 1


async def wait_for(predicate) -> None:
    async with asyncio.timeout(3):
        while not predicate():  # noqa: ASYNC110 - polling a plain counter is the point
            await asyncio.sleep(0.01)


async def test_a_kick_runs_the_job_at_once_instead_of_at_its_interval():
    job = Job()
    ticker = Ticker({"work": (job, LONG)})
    ticker.start()
    try:
        ticker.kick("work")
        await wait_for(lambda: job.runs == 1)
    finally:
        await ticker.stop()


async def test_a_kick_during_a_run_is_served_by_one_more_run_not_lost_or_stacked():
    job = Job(hold=0.2)
    ticker = Ticker({"work": (job, LONG)})
    ticker.start()
    try:
        ticker.kick("work")
        await asyncio.wait_for(job.started.wait(), 3)
        ticker.kick("work")  # arrives while the first run is busy
        ticker.kick("work")  # and another: still only one more run
        await wait_for(lambda: job.runs == 2)
        await asyncio.sleep(0.4)
        assert job.runs == 2
        assert job.most_at_once == 1
    finally:
        await ticker.stop()


async def test_wake_in_brings_the_next_run_forward():
    job = Job()
    ticker = Ticker({"work": (job, LONG)})
    ticker.start()
    try:
        ticker.wake_in("work", 0.2)
        await asyncio.sleep(0.1)
        assert job.runs == 0
        await wait_for(lambda: job.runs == 1)
    finally:
        await ticker.stop()


async def test_a_wake_up_falling_due_during_a_run_is_not_lost_to_the_interval():
    # An offer or approval that lapses 0.1 s from now, found by a run that goes on for 0.3 s:
    # APScheduler would skip the run it falls due in, and the next would come at the interval.
    runs: list[float] = []
    loop = asyncio.get_running_loop()

    async def job() -> None:
        runs.append(loop.time())
        if len(runs) == 1:
            ticker.wake_in("work", 0.1)
            await asyncio.sleep(0.3)

    ticker = Ticker({"work": (job, 2.0)})
    ticker.start()
    try:
        ticker.kick("work")
        await wait_for(lambda: len(runs) == 2)
        assert runs[1] - runs[0] < 1.0
    finally:
        await ticker.stop()


async def test_a_wake_up_asked_for_during_a_run_and_due_after_it_still_comes():
    runs: list[float] = []
    loop = asyncio.get_running_loop()

    async def job() -> None:
        runs.append(loop.time())
        if len(runs) == 1:
            ticker.wake_in("work", 0.5)
            await asyncio.sleep(0.1)

    ticker = Ticker({"work": (job, LONG)})
    ticker.start()
    try:
        ticker.kick("work")
        await wait_for(lambda: len(runs) == 2)
        assert 0.4 < runs[1] - runs[0] < 1.5
    finally:
        await ticker.stop()


async def test_a_failing_run_is_logged_and_the_job_keeps_its_schedule(caplog):
    calls = 0

    async def flaky() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database away")

    ticker = Ticker({"flaky": (flaky, 0.1)})
    ticker.start()
    try:
        await wait_for(lambda: calls >= 2)
    finally:
        await ticker.stop()
    assert "scheduled job flaky failed" in caplog.text


async def test_stop_waits_for_a_running_job_and_nothing_starts_after_it():
    job = Job(hold=0.3)
    ticker = Ticker({"work": (job, LONG)})
    ticker.start()
    ticker.kick("work")
    await asyncio.wait_for(job.started.wait(), 3)
    await ticker.stop()
    assert job.runs == 1  # the run in progress finished its work
    ticker.kick("work")
    await asyncio.sleep(0.2)
    assert job.runs == 1
