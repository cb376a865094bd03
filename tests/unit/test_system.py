"""The system clock and the UUIDv7 generator."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chatport.adapters import system
from chatport.adapters.system import SystemClock, UUIDv7Generator


def _ms(text: str) -> int:
    return uuid.UUID(text).int >> 80


def test_clock_now_is_aware_utc_to_the_millisecond() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)

    assert now.tzinfo is UTC
    assert now.microsecond % 1000 == 0
    # Truncated, never rounded up: not after the real time.
    assert before - timedelta(milliseconds=1) < now <= after


def test_clock_timestamp_is_float_seconds_since_the_epoch() -> None:
    before = time.time()
    stamp = SystemClock().timestamp()
    after = time.time()

    assert isinstance(stamp, float)
    assert before <= stamp <= after


def test_ids_are_canonical_uuidv7() -> None:
    text = UUIDv7Generator().new_id()
    parsed = uuid.UUID(text)

    assert text == str(parsed)  # canonical: lowercase, hyphenated, 36 characters
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


def test_ids_carry_the_unix_time_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    text = UUIDv7Generator().new_id()
    after = time.time_ns() // 1_000_000

    assert before <= _ms(text) <= after


def test_ids_strictly_increase_over_many_calls() -> None:
    generator = UUIDv7Generator()

    ids = [generator.new_id() for _ in range(20_000)]

    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(uuid.UUID(i).version == 7 for i in ids)


def test_ids_strictly_increase_within_one_millisecond() -> None:
    frozen = 1_767_225_600_123_456_789
    generator = UUIDv7Generator(lambda: frozen)

    ids = [generator.new_id() for _ in range(10_000)]

    assert [uuid.UUID(i).int for i in ids] == sorted({uuid.UUID(i).int for i in ids})
    assert {_ms(i) for i in ids} == {frozen // 1_000_000}
    assert all(uuid.UUID(i).version == 7 and uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)


def test_ids_keep_increasing_when_the_clock_steps_back() -> None:
    now = [1_767_225_600_000_000_000]
    generator = UUIDv7Generator(lambda: now[0])
    first = generator.new_id()

    now[0] -= 5_000_000_000  # 5 s back (an NTP correction)
    second = generator.new_id()

    assert second > first
    assert _ms(second) == _ms(first)


def test_a_new_millisecond_starts_from_fresh_randomness() -> None:
    now = [1_767_225_600_000_000_000]
    generator = UUIDv7Generator(lambda: now[0])
    first = generator.new_id()
    now[0] += 1_000_000
    second = generator.new_id()

    assert _ms(second) == _ms(first) + 1
    assert second > first


def test_exhausting_a_millisecond_borrows_the_next_one(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = 1_767_225_600_000_000_000
    # The random increment is at most 2**32, so start right below the top.
    draws = iter([(1 << 74) - 1, 0])
    monkeypatch.setattr(system, "_random_bits", lambda bits: next(draws, 0))
    monkeypatch.setattr(system, "_SEED_MASK", (1 << 74) - 1)
    generator = UUIDv7Generator(lambda: frozen)

    first = generator.new_id()  # random part all ones
    second = generator.new_id()  # +1 overflows

    assert _ms(second) == _ms(first) + 1
    assert second > first
    assert uuid.UUID(second).version == 7


def test_ids_are_unique_across_threads() -> None:
    generator = UUIDv7Generator()
    results: list[list[str]] = [[] for _ in range(4)]

    def work(out: list[str]) -> None:
        out.extend(generator.new_id() for _ in range(5000))

    threads = [threading.Thread(target=work, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    every = [i for out in results for i in out]
    assert len(set(every)) == len(every)
    assert all(out == sorted(out) for out in results)
