"""Running the HTTP app under uvicorn: one process, or several sharing one listening socket.

uvicorn (0.54) binds the shared socket of `--workers N` with protocol 0, and asyncio sets
TCP_NODELAY only on sockets whose protocol is TCP, so every keep-alive response after the first
waited ~44 ms for the client's delayed ACK (Kludex/uvicorn#3149; benchmarks/README.md). Binding
that socket ourselves as IPPROTO_TCP gives every accepted connection TCP_NODELAY again.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from booking.app import create_app
from booking.services import calendar_import
from booking.settings import Settings

log = logging.getLogger(__name__)

APP_FACTORY = "booking.app:create_app_from_environment"


def tcp_socket(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket (protocol IPPROTO_TCP) for the worker processes to share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def serve(
    settings: Settings, *, host: str, port: int, processes: int, log_config: dict[str, Any]
) -> None:
    """uvicorn with httptools and uvloop (picked up when installed); `processes` > 1 each build
    their own app from the environment. `log_config` is applied in every process.

    proxy_headers=False: uvicorn would trust X-Forwarded-For from 127.0.0.1 (or
    FORWARDED_ALLOW_IPS); the service reads it itself, only from BOOKING_TRUSTED_PROXIES, so the
    rate limits count the address the contract names (booking.limiter.client_address)."""
    calendar_import.prepare()
    if processes == 1:
        app = create_app(settings, background=settings.server.run_worker)
        uvicorn.run(app, host=host, port=port, log_config=log_config, proxy_headers=False)
        return
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=processes,
        log_config=log_config,
        proxy_headers=False,
    )
    sock = tcp_socket(host, port)
    log.info("serving on http://%s:%d with %d processes", host, port, processes)
    Multiprocess(config, sockets=[sock]).run()
