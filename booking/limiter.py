"""Rate limits shared by every process on one database (docs/contract.md, Rate limits).

The counting strategy is the `limits` package's fixed window (FixedWindowRateLimiter); what it
counts in is SqlStorage below, one of its storage backends written for our database: `limits`
ships memory, Redis, Memcached, MongoDB and etcd storages, none of which this service has, and
per-process memory would let each replica grant the whole limit again (docs/architecture.md).
A hit is one statement, an upsert returning the new count (repositories.rate_limits.bump); on
PostgreSQL it runs in autocommit on an UNLOGGED table (no WAL flush to wait for; a crash only
starts fresh windows), so the request pays one round trip for it, measured about as long as a
`SELECT 1`. Only a refused request reads the window's end again, for Retry-After.

Identifiers (client addresses, token ids) are stored as keyed hashes: the counters hold no
address anyone could read back.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from booking.clock import Clock
from booking.database import writing
from booking.errors import RateLimitedError
from booking.repositories import rate_limits as counter_repo
from booking.settings import LimitSettings, Networks

WRONG_CODES_PER_ADDRESS_PER_HOUR = 30

# A PostgreSQL connection the request already holds (booking.auth.admit): counting on it spares
# the request a second pool checkout. Unset, the storage takes a connection of its own.
_HELD: ContextVar[AsyncConnection | None] = ContextVar("rate_limit_connection", default=None)


class SqlStorage(Storage):
    """A `limits` async storage on our database, with our clock (tests move time)."""

    STORAGE_SCHEME = ["booking+sql"]  # noqa: RUF012 - the registry's declared attribute

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        # One statement needs no transaction around it: PostgreSQL runs it in autocommit.
        # SQLite writes in a BEGIN IMMEDIATE transaction (booking.database.writing), the only
        # safe way to write there.
        self.on_postgres = engine.dialect.name == "postgresql"
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    async def _run(self, work: Any) -> Any:  # noqa: ANN401 - the repository function's result
        held = _HELD.get()
        if held is not None:
            return await work(held)
        if self.on_postgres:
            async with self._autocommit.connect() as conn:
                return await work(conn)
        async with writing(self.engine) as conn:
            return await work(conn)

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.clock.now()

        async def work(conn: AsyncConnection) -> int:
            hits, _ = await counter_repo.bump(conn, key, amount, timedelta(seconds=expiry), now)
            return hits

        return int(await self._run(work))

    async def get(self, key: str) -> int:
        now = self.clock.now()

        async def work(conn: AsyncConnection) -> int:
            hits, _ = await counter_repo.read(conn, key, now)
            return hits

        return int(await self._run(work))

    async def get_expiry(self, key: str) -> float:
        now = self.clock.now()

        async def work(conn: AsyncConnection) -> datetime | None:
            _, ends = await counter_repo.read(conn, key, now)
            return ends

        ends = await self._run(work)
        return (ends or now).timestamp()

    async def check(self) -> bool:
        return True

    async def reset(self) -> int | None:
        return None  # never wiped wholesale: ended windows are deleted by the retention job

    async def clear(self, key: str) -> None:
        async def work(conn: AsyncConnection) -> None:
            await counter_repo.clear(conn, key)

        await self._run(work)

    async def delete_ended(self) -> int:
        now = self.clock.now()

        async def work(conn: AsyncConnection) -> int:
            return await counter_repo.delete_ended(conn, now)

        return int(await self._run(work))


def client_address(peer: str | None, forwarded: str, trusted: Networks) -> str:
    """The TCP peer, or the left-most X-Forwarded-For address when the peer is a trusted
    proxy (docs/contract.md, Rate limits). Anything unreadable falls back to the peer."""
    peer = peer or "unknown"
    if not trusted or not _within(peer, trusted):
        return peer
    first = forwarded.split(",", 1)[0].strip()
    try:
        return str(ipaddress.ip_address(first))
    except ValueError:
        return peer


def _within(address: str, networks: Networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class RateLimits:
    """The service's limits, by name; each refusal is a RateLimitedError with Retry-After."""

    def __init__(
        self, engine: AsyncEngine, clock: Clock, settings: LimitSettings, secret_key: bytes
    ) -> None:
        self.storage = SqlStorage(engine, clock)
        self.strategy = FixedWindowRateLimiter(self.storage)
        self.clock = clock
        self.proxies = settings.proxy_networks
        self._key = hashlib.sha256(b"rate-limit\x00" + secret_key).digest()
        self.sign_in_per_address = RateLimitItemPerHour(
            settings.sign_in_per_address_per_hour, namespace="sign_in_address"
        )
        self.wrong_codes_per_address = RateLimitItemPerHour(
            WRONG_CODES_PER_ADDRESS_PER_HOUR, namespace="wrong_codes_address"
        )
        self.requests = RateLimitItemPerMinute(settings.requests_per_minute, namespace="requests")

    def _identity(self, identity: str) -> str:
        return hmac.new(self._key, identity.encode(), hashlib.sha256).hexdigest()[:32]

    async def hit(self, item: RateLimitItem, identity: str, what: str) -> None:
        """Count one use; over the limit -> RateLimitedError (the refused use counts too)."""
        ident = self._identity(identity)
        if not await self.strategy.hit(item, ident):
            await self._refuse(item, ident, what)

    async def check(self, item: RateLimitItem, identity: str, what: str) -> None:
        """Refuse when the window is spent, counting nothing."""
        ident = self._identity(identity)
        if not await self.strategy.test(item, ident):
            await self._refuse(item, ident, what)

    async def _refuse(self, item: RateLimitItem, ident: str, what: str) -> None:
        stats = await self.strategy.get_window_stats(item, ident)
        wait = stats.reset_time - self.clock.now().timestamp()
        raise RateLimitedError(
            f"too many {what}; try again later", retry_after_seconds=math.ceil(max(wait, 1))
        )

    async def requests_by(self, token_id: str | None, address: str) -> None:
        """The general limit: per token when signed in, per client address when not."""
        identity = f"token:{token_id}" if token_id else f"address:{address}"
        await self.hit(self.requests, identity, "requests")

    @property
    def counts_on_held_connections(self) -> bool:
        """PostgreSQL counts in any open transaction; SQLite must write in one of its own
        (BEGIN IMMEDIATE), so there the storage always takes its own connection."""
        return self.storage.on_postgres

    @asynccontextmanager
    async def on(self, conn: AsyncConnection) -> AsyncIterator[None]:
        """Count on `conn` (in its transaction) inside the block."""
        held = _HELD.set(conn)
        try:
            yield
        finally:
            _HELD.reset(held)

    def address_of(self, peer: str | None, forwarded: str) -> str:
        return client_address(peer, forwarded, self.proxies)
