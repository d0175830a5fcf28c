"""The app puts all of its time-based work on the timer (one job was once written, never run)."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from notifications.scheduler import Ticker


@pytest.mark.timer
async def test_the_app_schedules_dispatch_and_timetable_refresh(app, monkeypatch):
    started: list[Ticker] = []
    original = Ticker.start

    def spy(self: Ticker) -> None:
        started.append(self)
        original(self)

    monkeypatch.setattr(Ticker, "start", spy)
    async with AsyncTestClient(app=app):
        (ticker,) = started
        assert ticker.job_names() == ["dispatch", "refresh_timetables", "retention"]
