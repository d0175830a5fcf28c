"""Opaque, time-ordered identifiers (UUIDv7 layout as 32 hex characters).

Time order lets lists page by id with a plain `id > cursor` and keeps index inserts local.
"""

from __future__ import annotations

import os
import threading
import time

_lock = threading.Lock()
_last_ms = 0


def new_id() -> str:
    global _last_ms  # noqa: PLW0603 - monotonic per process, guarded by the lock
    with _lock:
        ms = max(time.time_ns() // 1_000_000, _last_ms)
        _last_ms = ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | (0x7 << 76) | (rand & ((1 << 76) - 1))
    # Set the RFC 9562 variant bits (10xx) in the third group.
    value = (value & ~(0b11 << 62)) | (0b10 << 62)
    return f"{value:032x}"
