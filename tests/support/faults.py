"""Making the database misbehave on purpose."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from litestar import Litestar
from sqlalchemy import event


@contextmanager
def commits_fail(app: Litestar, message: str = "commit failed") -> Iterator[None]:
    """Every COMMIT on the app's engine raises while inside the block."""
    engine = app.state.runtime.engine

    def refuse(_conn: object) -> None:
        raise RuntimeError(message)

    event.listen(engine.sync_engine, "commit", refuse)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "commit", refuse)
