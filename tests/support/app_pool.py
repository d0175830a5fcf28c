"""Apps built by create_app, lent again once their lifespan has ended.

Building an app costs about half a second of CPU (Litestar registers every route), and many
tests need an app of their own settings. create_app reads only `settings.server` when it builds
the routes; the rest reaches the lifespan through the app's Wiring, which each use replaces (as
the root `app` fixture does with its shared app). So apps are kept by their server settings and
lent to one user at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from litestar import Litestar

from booking.app import Wiring, create_app
from booking.clock import Clock
from booking.settings import ServerSettings, Settings

_FREE: dict[ServerSettings, list[Litestar]] = {}


def borrow_app(settings: Settings, clock: Clock) -> Litestar:
    """An app for `settings` and `clock` (background jobs on, as create_app makes it)."""
    free = _FREE.get(settings.server)
    if not free:
        return create_app(settings, clock=clock)
    app = free.pop()
    app.state.wiring = Wiring(settings, clock)
    return app


def give_back(app: Litestar, settings: Settings) -> None:
    """Only once the app's lifespan has ended cleanly."""
    _FREE.setdefault(settings.server, []).append(app)


@contextmanager
def lent_app(settings: Settings, clock: Clock) -> Iterator[Litestar]:
    """An app for a block that runs and ends its lifespan (an AsyncTestClient); given back
    when the block ends without an error."""
    app = borrow_app(settings, clock)
    yield app
    give_back(app, settings)
