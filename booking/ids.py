"""Opaque, time-ordered identifiers (UUIDv7 layout as 32 hex characters).

Time order lets lists page by id with a plain `id > cursor`, keeps index inserts local and, since
ids are also monotonic within a process (RFC 9562, 6.2, method 2), keeps the events one
transaction appends to the outbox in the order they were written.
"""

from __future__ import annotations

import os
import threading
import time

_lock = threading.Lock()
_last = 0
_RAND_BITS = 74  # 128 - 48 (time) - 4 (version) - 2 (variant)
_VARIANT = 0b10  # RFC 9562, in bits 62-63


def _compose(ms: int, rand: int) -> int:
    rand_a, rand_b = rand >> 62, rand & ((1 << 62) - 1)
    return (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | _VARIANT << 62 | rand_b


def new_id() -> str:
    global _last  # noqa: PLW0603 - monotonic per process, guarded by the lock
    ms = time.time_ns() // 1_000_000
    value = _compose(ms, int.from_bytes(os.urandom(10), "big") >> (80 - _RAND_BITS))
    with _lock:
        if value <= _last:
            # Same millisecond (or a clock step back): count on from the last id instead.
            value = _last + 1
            if (value >> 62) & 0b11 != _VARIANT:
                # The count carried into the variant bits: carry on past them, restore them.
                variant = 0b11 << 62
                value = (((value | variant) + 1) & ~variant) | (_VARIANT << 62)
        _last = value
    return f"{value:032x}"
