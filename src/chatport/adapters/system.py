"""The real clock and the id generator (UUIDv7)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

_RAND_BITS = 74  # rand_a (12) + rand_b (62)
_RAND_LIMIT = 1 << _RAND_BITS
# A new millisecond starts its random part below half the range, leaving at least
# 2**73 of room for increments within that millisecond (RFC 9562 §6.2, method 2).
_SEED_MASK = (1 << (_RAND_BITS - 1)) - 1
_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62


class SystemClock:
    """``Clock`` on the system's real-time clock.

    ``now()`` is aware UTC, truncated (never rounded, so never in the future) to the
    millisecond both databases keep; ``timestamp()`` is float seconds since the epoch.
    """

    def now(self) -> datetime:
        now = datetime.now(UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    def timestamp(self) -> float:
        return time.time()


class UUIDv7Generator:
    """``IdGenerator``: RFC 9562 UUIDv7 in canonical lowercase text.

    Layout: 48-bit Unix time in ms, version 7, 12 + 62 random bits, variant 10.
    Within one process the ids strictly increase, even within one millisecond or if
    the system clock steps back: the 74 random bits are then the previous ones plus
    a random increment (RFC 9562 §6.2 method 2), so they stay unguessable. Should they
    overflow, the timestamp moves 1 ms ahead of the clock. Thread-safe.

    ``time_ns`` (nanoseconds since the epoch) is injectable so tests can hold time still.
    """

    def __init__(self, time_ns: Callable[[], int] = time.time_ns) -> None:
        self._time_ns = time_ns
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_rand = 0

    def new_id(self) -> str:
        now_ms = self._time_ns() // 1_000_000
        with self._lock:
            if now_ms > self._last_ms:
                ms, rand = now_ms, _random_bits(_RAND_BITS) & _SEED_MASK
            else:
                ms = self._last_ms
                rand = self._last_rand + 1 + _random_bits(32)
                if rand >= _RAND_LIMIT:
                    ms, rand = ms + 1, _random_bits(_RAND_BITS) & _SEED_MASK
            self._last_ms, self._last_rand = ms, rand
        rand_a, rand_b = rand >> 62, rand & ((1 << 62) - 1)
        value = (ms & 0xFFFF_FFFF_FFFF) << 80 | _VERSION | rand_a << 64 | _VARIANT | rand_b
        return str(uuid.UUID(int=value))


def _random_bits(bits: int) -> int:
    return int.from_bytes(os.urandom((bits + 7) // 8), "big") >> (-bits % 8)
