"""Ceilings measured in the same run as a benchmark, on the same machine: what the figure would be
without the service (bare `/health`, a raw asyncpg loop, raw aiosmtplib). A service figure means
little on a shared machine until it is divided by one of these.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from email.message import EmailMessage
from typing import Any, TypeVar

import aiosmtplib
import asyncpg
import httpx
from bench_common import pg_dsn

Item = TypeVar("Item")


@asynccontextmanager
async def one_connection_clients(base: str, count: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """`count` clients of one keep-alive connection each, made before the clock starts (each
    builds an SSL context). Not one pool of `count`: a shared httpx pool that large spends its
    time scanning connections (encode/httpx#3215) and would measure the client, not the server."""
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=base, limits=httpx.Limits(max_connections=1), timeout=120
                )
            )
            for _ in range(count)
        ]


# --- GET /health -----------------------------------------------------------------------------


async def httpx_health(base: str, seconds: float, concurrency: int) -> dict[str, Any]:
    """`GET /health` from `concurrency` httpx clients for `seconds`: the same client as the load."""
    done = Counter[int]()

    async def worker(client: httpx.AsyncClient, deadline: float) -> None:
        while time.perf_counter() < deadline:
            try:
                done[(await client.get("/health")).status_code] += 1
            except httpx.HTTPError:
                done[0] += 1

    async with one_connection_clients(base, concurrency) as pool:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client, started + seconds) for client in pool))
        wall = time.perf_counter() - started
    return {"requests_per_s": sum(done.values()) / wall, "errors": sum(done.values()) - done[200]}


async def bare_health(base: str, seconds: float, concurrency: int) -> float:
    """`GET /health` over bare keep-alive sockets: how much of the httpx figure is the client."""
    host, port = base.removeprefix("http://").split(":")
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(host, int(port))
        while time.perf_counter() < deadline:
            writer.write(b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n")
            head = (await reader.readuntil(b"\r\n\r\n")).decode().lower()
            length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
            await reader.readexactly(length)
            done += head.startswith("http/1.1 200")
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


async def health_ceiling(base: str, seconds: float, concurrency: int) -> dict[str, Any]:
    """The idle server's `/health` at the benchmark's concurrency, with httpx then bare sockets:
    {"requests_per_s", "errors", "bare_requests_per_s"}."""
    health = await httpx_health(base, seconds, concurrency)
    health["bare_requests_per_s"] = await bare_health(base, seconds, concurrency)
    return health


# --- raw asyncpg -----------------------------------------------------------------------------


async def asyncpg_ceiling(
    url: str,
    items: list[Item],
    concurrency: int,
    job: Callable[[asyncpg.Connection, Item], Awaitable[None]],
    prepare: Callable[[asyncpg.Pool], Awaitable[None]] | None = None,
) -> float:
    """`job` for every item from a pool of `concurrency` asyncpg connections, each kept by one
    worker (no HTTP, no ORM, no pool checkout per item): items per second. `prepare` runs first,
    outside the clock (emptying what the service wrote, say)."""
    async with asyncpg.create_pool(pg_dsn(url), min_size=concurrency, max_size=concurrency) as pool:
        if prepare is not None:
            await prepare(pool)
        pending = iter(items)

        async def worker() -> None:
            async with pool.acquire() as conn:
                for item in pending:
                    await job(conn, item)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(items) / (time.perf_counter() - started)


# --- raw aiosmtplib --------------------------------------------------------------------------


async def smtp_ceiling(port: int, messages: Iterable[EmailMessage], connections: int) -> float:
    """All messages to 127.0.0.1:port over `connections` concurrent aiosmtplib connections (what
    the service's transport does per mail, without the service); seconds taken by the client."""
    pending = iter(messages)

    async def sender() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, timeout=60)
        await client.connect()
        for message in pending:
            await client.send_message(message)
        await client.quit()

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(connections)))
    return time.perf_counter() - started
