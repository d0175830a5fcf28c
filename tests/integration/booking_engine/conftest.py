"""The world every booking-engine test starts from: an admin, a hub with its staff, a venue and
a trainer available all week (tests.support.engine), and a first session well outside the
24-hour promotion cutoff and the 48-hour late-cancellation window."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.engine import build_world


@pytest.fixture
async def world(client, sessionmaker, clock):
    return await build_world(client, sessionmaker, clock)


@pytest.fixture
def start(clock):
    return clock.now() + timedelta(days=10)
