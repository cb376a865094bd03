"""One contract for every RateLimiter adapter, driven by a manual clock.

Each test runs against the memory and the Redis adapter; a few at the end check
what only one of them promises (key layout and expiry in Redis, bounded memory).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from chatport.adapters.memory.ratelimit import MemoryRateLimiter
from chatport.adapters.redis.ratelimit import RedisRateLimiter
from chatport.domain.errors import StorageUnavailable
from chatport.domain.ratelimit import EPSILON, LOGIN, RateDecision, RatePolicy, gcra
from chatport.ports.ratelimit import RateLimiter
from tests.support import ManualClock

TEN_A_MINUTE = RatePolicy(name="ten", limit=10, period=60)
QUICK = RatePolicy(name="quick", limit=4, period=2.5)
# An interval (2.433... s) that binary floats cannot represent exactly.
FLOATY = RatePolicy(name="floaty", limit=3, period=7.3)


async def _delete_prefix(client: Redis, prefix: str) -> None:
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)


@pytest.fixture
async def redis_client(redis_url: str, redis_prefix: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await _delete_prefix(client, redis_prefix)
        await client.aclose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def limiter(request: pytest.FixtureRequest, clock: ManualClock) -> RateLimiter:
    # Sync on purpose: an async fixture cannot resolve the async redis_client lazily.
    if request.param == "memory":
        return MemoryRateLimiter(clock)
    client: Redis = request.getfixturevalue("redis_client")
    return RedisRateLimiter(client, clock, prefix=request.getfixturevalue("redis_prefix"))


async def _hits(limiter: RateLimiter, key: str, policy: RatePolicy, n: int) -> list[RateDecision]:
    return [await limiter.hit(key, policy) for _ in range(n)]


# --- burst, refusal, recovery -------------------------------------------------------


async def test_a_burst_of_limit_passes_then_the_next_is_refused_with_exact_retry_after(
    limiter: RateLimiter,
) -> None:
    decisions = await _hits(limiter, "ip:1", LOGIN, 5)

    assert all(d.allowed for d in decisions)
    refused = await limiter.hit("ip:1", LOGIN)
    assert refused == RateDecision(
        allowed=False, limit=5, remaining=0, retry_after=180.0, reset_after=900.0
    )


async def test_remaining_counts_down_and_reset_after_grows_by_one_interval(
    limiter: RateLimiter,
) -> None:
    decisions = await _hits(limiter, "ip:1", LOGIN, 5)

    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0]
    assert [d.reset_after for d in decisions] == [180.0, 360.0, 540.0, 720.0, 900.0]
    assert {(d.limit, d.retry_after) for d in decisions} == {(5, 0.0)}


async def test_a_refusal_spends_nothing(limiter: RateLimiter, clock: ManualClock) -> None:
    await _hits(limiter, "ip:1", LOGIN, 5)
    for _ in range(10):
        assert not (await limiter.hit("ip:1", LOGIN)).allowed

    clock.advance(180)

    assert (await limiter.hit("ip:1", LOGIN)).allowed


async def test_one_request_passes_again_after_one_interval(
    limiter: RateLimiter, clock: ManualClock
) -> None:
    await _hits(limiter, "ip:1", LOGIN, 5)

    clock.advance(179)
    early = await limiter.hit("ip:1", LOGIN)
    clock.advance(1)  # exactly on time
    on_time = await limiter.hit("ip:1", LOGIN)
    after = await limiter.hit("ip:1", LOGIN)

    assert not early.allowed
    assert early.retry_after == pytest.approx(1.0)
    assert on_time.allowed
    assert on_time.remaining == 0
    assert not after.allowed
    assert after.retry_after == 180.0


async def test_a_whole_period_later_the_bucket_is_full_again(
    limiter: RateLimiter, clock: ManualClock
) -> None:
    await _hits(limiter, "ip:1", LOGIN, 5)

    clock.advance(15 * 60)
    peeked = await limiter.peek("ip:1", LOGIN)
    decisions = await _hits(limiter, "ip:1", LOGIN, 6)

    assert peeked.remaining == 5
    assert peeked.reset_after == 0.0
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert decisions[0].remaining == 4


async def test_a_long_idle_time_gives_no_more_than_the_limit(
    limiter: RateLimiter, clock: ManualClock
) -> None:
    await limiter.hit("ip:1", LOGIN)
    clock.advance(24 * 3600)

    decisions = await _hits(limiter, "ip:1", LOGIN, 6)

    assert [d.allowed for d in decisions] == [True] * 5 + [False]


# --- peek and reset ------------------------------------------------------------------


async def test_peek_on_a_new_key_allows_with_a_full_bucket(limiter: RateLimiter) -> None:
    decision = await limiter.peek("new", LOGIN)

    assert decision == RateDecision(
        allowed=True, limit=5, remaining=5, retry_after=0.0, reset_after=0.0
    )


async def test_peek_spends_nothing(limiter: RateLimiter) -> None:
    await limiter.hit("ip:1", LOGIN)
    peeks = [await limiter.peek("ip:1", LOGIN) for _ in range(20)]
    decisions = await _hits(limiter, "ip:1", LOGIN, 5)

    assert {(p.allowed, p.remaining, p.reset_after) for p in peeks} == {(True, 4, 180.0)}
    assert [d.allowed for d in decisions] == [True] * 4 + [False]


async def test_peek_on_an_empty_bucket_refuses_with_retry_after(limiter: RateLimiter) -> None:
    await _hits(limiter, "ip:1", LOGIN, 5)

    peeked = await limiter.peek("ip:1", LOGIN)

    assert peeked == RateDecision(
        allowed=False, limit=5, remaining=0, retry_after=180.0, reset_after=900.0
    )


async def test_a_hit_of_cost_zero_is_a_peek(limiter: RateLimiter) -> None:
    await limiter.hit("ip:1", LOGIN)

    free = await limiter.hit("ip:1", LOGIN, cost=0)

    assert free == await limiter.peek("ip:1", LOGIN)
    assert (await limiter.hit("ip:1", LOGIN)).remaining == 3


async def test_reset_refills_the_bucket(limiter: RateLimiter) -> None:
    await _hits(limiter, "ip:1", LOGIN, 5)

    await limiter.reset("ip:1", LOGIN)
    decisions = await _hits(limiter, "ip:1", LOGIN, 6)

    assert [d.allowed for d in decisions] == [True] * 5 + [False]


async def test_reset_leaves_the_same_key_under_other_policies_alone(
    limiter: RateLimiter,
) -> None:
    await _hits(limiter, "user:ann", LOGIN, 5)
    await _hits(limiter, "user:ann", TEN_A_MINUTE, 10)

    await limiter.reset("user:ann", LOGIN)

    assert (await limiter.peek("user:ann", LOGIN)).remaining == 5
    assert not (await limiter.peek("user:ann", TEN_A_MINUTE)).allowed


async def test_reset_leaves_other_keys_alone(limiter: RateLimiter) -> None:
    await _hits(limiter, "user:ann", LOGIN, 5)
    await _hits(limiter, "user:bob", LOGIN, 5)

    await limiter.reset("user:ann", LOGIN)

    assert (await limiter.peek("user:ann", LOGIN)).allowed
    assert not (await limiter.peek("user:bob", LOGIN)).allowed


async def test_reset_of_an_unknown_key_is_a_no_op(limiter: RateLimiter) -> None:
    await limiter.reset("never-seen", LOGIN)

    assert (await limiter.peek("never-seen", LOGIN)).remaining == 5


# --- independence ---------------------------------------------------------------------


async def test_keys_are_independent(limiter: RateLimiter) -> None:
    await _hits(limiter, "ip:1", LOGIN, 5)

    other = await limiter.hit("ip:2", LOGIN)

    assert other.allowed
    assert other.remaining == 4


async def test_policies_are_independent_for_the_same_key(limiter: RateLimiter) -> None:
    await _hits(limiter, "user:ann", LOGIN, 5)

    other = await limiter.hit("user:ann", TEN_A_MINUTE)

    assert other.allowed
    assert other.remaining == 9
    assert not (await limiter.peek("user:ann", LOGIN)).allowed


# --- cost -----------------------------------------------------------------------------


async def test_a_cost_above_one_spends_that_many(limiter: RateLimiter) -> None:
    first = await limiter.hit("u", TEN_A_MINUTE, cost=4)
    too_much = await limiter.hit("u", TEN_A_MINUTE, cost=7)
    rest = await limiter.hit("u", TEN_A_MINUTE, cost=6)

    assert (first.allowed, first.remaining, first.reset_after) == (True, 6, 24.0)
    # 24 s spent; 7 more (42 s) fit once 6 s have passed.
    assert (too_much.allowed, too_much.retry_after) == (False, 6.0)
    assert (rest.allowed, rest.remaining, rest.reset_after) == (True, 0, 60.0)


async def test_a_refused_cost_does_not_block_a_smaller_one(
    limiter: RateLimiter, clock: ManualClock
) -> None:
    await limiter.hit("u", TEN_A_MINUTE, cost=8)

    assert not (await limiter.hit("u", TEN_A_MINUTE, cost=3)).allowed
    assert (await limiter.hit("u", TEN_A_MINUTE, cost=2)).allowed


async def test_a_cost_above_the_limit_is_always_refused(limiter: RateLimiter) -> None:
    decision = await limiter.hit("u", TEN_A_MINUTE, cost=11)

    assert not decision.allowed
    assert decision.retry_after == pytest.approx(6.0)
    assert (await limiter.peek("u", TEN_A_MINUTE)).remaining == 10


async def test_a_negative_cost_is_a_programming_error(limiter: RateLimiter) -> None:
    with pytest.raises(ValueError, match="cost"):
        await limiter.hit("u", TEN_A_MINUTE, cost=-1)

    assert (await limiter.peek("u", TEN_A_MINUTE)).remaining == 10


# --- exactness and concurrency ----------------------------------------------------------


async def test_a_fractional_period_refuses_with_a_fractional_retry_after(
    limiter: RateLimiter, clock: ManualClock
) -> None:
    await _hits(limiter, "u", QUICK, 4)

    refused = await limiter.hit("u", QUICK)
    clock.advance(0.5)
    early = await limiter.hit("u", QUICK)
    clock.advance(0.125)  # exactly on time
    on_time = await limiter.hit("u", QUICK)

    assert (refused.allowed, refused.retry_after, refused.reset_after) == (False, 0.625, 2.5)
    assert not early.allowed
    assert early.retry_after == pytest.approx(0.125)
    assert on_time.allowed


async def test_decisions_match_the_domain_arithmetic_exactly(
    limiter: RateLimiter, clock: ManualClock
) -> None:
    """A random walk of hits, peeks, resets and clock moves, checked decision by
    decision against ``gcra`` applied to a plain dict: equal to the last bit. Moves
    of exactly EPSILON put arrivals right on the edge of the slack."""
    rng = random.Random(20260101)
    policies = [LOGIN, TEN_A_MINUTE, FLOATY, RatePolicy(name="odd", limit=7, period=0.9)]
    model: dict[tuple[str, str], float] = {}
    outcomes: set[tuple[str, bool]] = set()
    for _ in range(600):
        key, policy = rng.choice(["a", "b"]), rng.choice(policies)
        action = rng.random()
        if action < 0.05:
            await limiter.reset(key, policy)
            model.pop((key, policy.name), None)
            continue
        if action < 0.3:
            clock.advance(rng.choice([0.0, EPSILON, 0.3, 1.7, policy.interval, 13.0]))
        cost = 0 if action > 0.9 else rng.choice([1, 1, 1, 2, 5])
        expected, new_tat = gcra(model.get((key, policy.name)), clock.timestamp(), policy, cost)
        if new_tat is not None:
            model[key, policy.name] = new_tat

        actual = await (limiter.peek(key, policy) if cost == 0 else limiter.hit(key, policy, cost))

        assert actual == expected
        outcomes.add((policy.name, actual.allowed))

    assert outcomes == {(p.name, allowed) for p in policies for allowed in (True, False)}


async def test_concurrent_hits_never_pass_more_than_the_limit(limiter: RateLimiter) -> None:
    decisions = await asyncio.gather(*(limiter.hit("hot", TEN_A_MINUTE) for _ in range(50)))

    passed = [d for d in decisions if d.allowed]
    assert len(passed) == 10
    assert sorted(d.remaining for d in passed) == list(range(10))


# --- adapter-specific promises ----------------------------------------------------------


@pytest.mark.redis
async def test_redis_keeps_one_key_per_bucket_expiring_when_full_again(
    redis_client: Redis, redis_prefix: str, clock: ManualClock
) -> None:
    limiter = RedisRateLimiter(redis_client, clock, prefix=redis_prefix)

    await _hits(limiter, "user:ann", LOGIN, 2)

    key = f"{redis_prefix}login:user:ann"
    stored = await redis_client.get(key)
    assert stored is not None
    assert float(stored) == clock.timestamp() + 360
    # Real time runs between SET and PTTL; the upper bound is the exact one.
    assert 300_000 < await redis_client.pttl(key) <= 360_000


@pytest.mark.redis
async def test_redis_peek_and_refusal_write_nothing(
    redis_client: Redis, redis_prefix: str, clock: ManualClock
) -> None:
    limiter = RedisRateLimiter(redis_client, clock, prefix=redis_prefix)

    await limiter.peek("user:ann", LOGIN)

    assert [key async for key in redis_client.scan_iter(match=f"{redis_prefix}*")] == []


@pytest.mark.redis
async def test_redis_reset_deletes_just_that_bucket_key(
    redis_client: Redis, redis_prefix: str, clock: ManualClock
) -> None:
    limiter = RedisRateLimiter(redis_client, clock, prefix=redis_prefix)
    await limiter.hit("user:ann", LOGIN)
    await limiter.hit("user:ann", TEN_A_MINUTE)

    await limiter.reset("user:ann", LOGIN)

    keys = [key async for key in redis_client.scan_iter(match=f"{redis_prefix}*")]
    assert keys == [f"{redis_prefix}ten:user:ann".encode()]


@pytest.mark.redis
async def test_redis_limiters_on_one_prefix_share_their_buckets(
    redis_url: str, redis_client: Redis, redis_prefix: str, clock: ManualClock
) -> None:
    # Another client, as another server process would have.
    other_client = Redis.from_url(redis_url, decode_responses=True)
    try:
        first = RedisRateLimiter(redis_client, clock, prefix=redis_prefix)
        second = RedisRateLimiter(other_client, clock, prefix=redis_prefix)
        await _hits(first, "ip:1", LOGIN, 3)
        await first.hit("ip:1", TEN_A_MINUTE)

        assert (await second.hit("ip:1", LOGIN)).remaining == 1
        await second.reset("ip:1", LOGIN)
        assert (await first.peek("ip:1", LOGIN)).remaining == 5
        assert (await first.peek("ip:1", TEN_A_MINUTE)).remaining == 9
    finally:
        await other_client.aclose()


@pytest.mark.parametrize("operation", ["hit", "peek", "reset"])
async def test_an_unreachable_redis_raises_storage_unavailable(
    operation: str, clock: ManualClock
) -> None:
    # Port 1 refuses connections; no retries, so the failure comes at once.
    client = Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    limiter = RedisRateLimiter(client, clock)
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "hit": lambda: limiter.hit("k", LOGIN),
        "peek": lambda: limiter.peek("k", LOGIN),
        "reset": lambda: limiter.reset("k", LOGIN),
    }
    try:
        with pytest.raises(StorageUnavailable):
            await calls[operation]()
    finally:
        await client.aclose()


async def test_memory_reset_of_a_key_s_last_bucket_drops_the_key(clock: ManualClock) -> None:
    limiter = MemoryRateLimiter(clock)
    await limiter.hit("user:ann", LOGIN)
    await limiter.hit("user:ann", TEN_A_MINUTE)

    await limiter.reset("user:ann", LOGIN)
    assert limiter.key_count == 1
    await limiter.reset("user:ann", TEN_A_MINUTE)
    assert limiter.key_count == 0


async def test_memory_drops_full_buckets_so_it_stays_bounded(clock: ManualClock) -> None:
    limiter = MemoryRateLimiter(clock)
    for i in range(5000):
        await limiter.hit(f"ip:{i}", TEN_A_MINUTE)
    clock.advance(TEN_A_MINUTE.interval)  # every one of those buckets is full again

    for i in range(5000):
        await limiter.hit(f"other:{i}", TEN_A_MINUTE)

    assert limiter.key_count < 5000 + 5000
    assert limiter.key_count <= 2 * 5000
    # Swept keys behave exactly as if never seen.
    assert (await limiter.peek("ip:0", TEN_A_MINUTE)).remaining == 10
    assert (await limiter.peek("other:0", TEN_A_MINUTE)).remaining == 9
