"""One contract for every IdempotencyStore adapter.

Each test runs against the memory and the Redis adapter through a ``Backend``, which
builds stores with chosen lifetimes and lets time pass: the memory adapter's manual
clock is moved, while Redis keys expire in real time, so those tests sleep a little
past a short TTL. A few tests at the end check what only one adapter promises.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from chatport.adapters.memory.idempotency import MemoryIdempotencyStore
from chatport.adapters.redis.idempotency import RedisIdempotencyStore
from chatport.domain.errors import StorageUnavailable
from chatport.domain.idempotency import (
    IN_FLIGHT_SECONDS,
    RETENTION_SECONDS,
    ClaimOutcome,
    StoredResponse,
    fingerprint,
)
from chatport.ports.idempotency import IdempotencyStore
from tests.support import ManualClock

ANN = "user:1"
BOB = "user:2"
FP = fingerprint("POST", "/api/v1/chats", b'{"title":"a"}')
OTHER_FP = fingerprint("POST", "/api/v1/chats", b'{"title":"b"}')
RESPONSE = StoredResponse(
    status=201,
    headers=[("content-type", "application/json"), ("set-cookie", "a=1"), ("set-cookie", "b=2")],
    # Not valid UTF-8 on purpose: the body must come back byte for byte.
    body=b'{"id":"c1"}\x00\xff\xfe\x80',
)
# Short enough for Redis tests to sleep past, long enough not to expire mid-test.
SHORT = 1.0
# Real time run past a Redis TTL before the key is surely gone.
REDIS_MARGIN = 0.15


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


@pytest.fixture
async def other_redis_client(redis_url: str) -> AsyncIterator[Redis]:
    # Another client, as another server process would have; it decodes replies, to
    # show the stored response survives that.
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()


class Backend:
    """Builds stores of one adapter and moves its time."""

    def __init__(
        self,
        clock: ManualClock,
        redis: tuple[Redis, Redis, str] | None = None,  # two clients and the prefix
    ) -> None:
        self._clock = clock
        self._redis = redis

    def store(
        self,
        retention: float = RETENTION_SECONDS,
        in_flight: float = IN_FLIGHT_SECONDS,
        *,
        other_instance: bool = False,
    ) -> IdempotencyStore:
        """A new store; with ``other_instance``, a Redis one over the other client."""
        if self._redis is None:
            return MemoryIdempotencyStore(self._clock, retention=retention, in_flight=in_flight)
        client, other_client, prefix = self._redis
        return RedisIdempotencyStore(
            other_client if other_instance else client,
            self._clock,
            prefix=prefix,
            retention=retention,
            in_flight=in_flight,
        )

    async def pass_time(self, seconds: float) -> None:
        """Let ``seconds`` go by: whatever expires after that long is gone after this."""
        if self._redis is None:
            self._clock.advance(seconds)
        else:
            await asyncio.sleep(seconds + REDIS_MARGIN)


def _redis_backend(request: pytest.FixtureRequest, clock: ManualClock) -> Backend:
    # From a sync fixture on purpose: an async fixture cannot resolve the async
    # client fixtures lazily.
    return Backend(
        clock,
        (
            request.getfixturevalue("redis_client"),
            request.getfixturevalue("other_redis_client"),
            request.getfixturevalue("redis_prefix"),
        ),
    )


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request: pytest.FixtureRequest, clock: ManualClock) -> Backend:
    if request.param == "memory":
        return Backend(clock)
    return _redis_backend(request, clock)


@pytest.fixture
def backend_redis(request: pytest.FixtureRequest, clock: ManualClock) -> Backend:
    return _redis_backend(request, clock)


@pytest.fixture
def store(backend: Backend) -> IdempotencyStore:
    return backend.store()


async def _outcome(store: IdempotencyStore, fp: str = FP, scope: str = ANN) -> ClaimOutcome:
    return (await store.claim(scope, "k1", fp)).outcome


# --- claim while in flight ------------------------------------------------------------


async def test_the_first_claim_is_claimed(store: IdempotencyStore) -> None:
    claim = await store.claim(ANN, "k1", FP)

    assert claim.outcome is ClaimOutcome.CLAIMED
    assert claim.response is None


async def test_the_same_request_while_the_first_runs_is_in_flight(
    store: IdempotencyStore,
) -> None:
    await store.claim(ANN, "k1", FP)

    claims = [await store.claim(ANN, "k1", FP) for _ in range(3)]

    assert {(c.outcome, c.response) for c in claims} == {(ClaimOutcome.IN_FLIGHT, None)}


async def test_another_request_while_the_first_runs_is_a_mismatch(
    store: IdempotencyStore,
) -> None:
    await store.claim(ANN, "k1", FP)

    claim = await store.claim(ANN, "k1", OTHER_FP)

    assert claim.outcome is ClaimOutcome.MISMATCH
    assert claim.response is None
    assert await _outcome(store) is ClaimOutcome.IN_FLIGHT


# --- after complete -------------------------------------------------------------------


async def test_after_complete_the_same_request_replays_the_exact_response(
    store: IdempotencyStore,
) -> None:
    await store.claim(ANN, "k1", FP)
    await store.complete(ANN, "k1", FP, RESPONSE)

    first = await store.claim(ANN, "k1", FP)
    second = await store.claim(ANN, "k1", FP)

    for claim in (first, second):
        assert claim.outcome is ClaimOutcome.REPLAY
        assert claim.response is not None
        assert claim.response.status == 201
        assert list(claim.response.headers) == [tuple(h) for h in RESPONSE.headers]
        assert claim.response.body == RESPONSE.body
        assert isinstance(claim.response.body, bytes)


async def test_an_empty_body_and_no_headers_replay_as_such(store: IdempotencyStore) -> None:
    empty = StoredResponse(status=204, headers=[], body=b"")
    await store.claim(ANN, "k1", FP)
    await store.complete(ANN, "k1", FP, empty)

    claim = await store.claim(ANN, "k1", FP)

    assert claim.outcome is ClaimOutcome.REPLAY
    assert claim.response is not None
    assert (claim.response.status, list(claim.response.headers), claim.response.body) == (
        204,
        [],
        b"",
    )


async def test_after_complete_another_request_is_a_mismatch(store: IdempotencyStore) -> None:
    await store.claim(ANN, "k1", FP)
    await store.complete(ANN, "k1", FP, RESPONSE)

    claim = await store.claim(ANN, "k1", OTHER_FP)

    assert claim.outcome is ClaimOutcome.MISMATCH
    assert claim.response is None


async def test_a_second_complete_does_not_replace_the_first_response(
    store: IdempotencyStore,
) -> None:
    await store.claim(ANN, "k1", FP)
    await store.complete(ANN, "k1", FP, RESPONSE)

    await store.complete(ANN, "k1", FP, StoredResponse(status=500, headers=[], body=b"late"))

    claim = await store.claim(ANN, "k1", FP)
    assert claim.response is not None
    assert claim.response.body == RESPONSE.body


async def test_complete_without_a_claim_stores_nothing(store: IdempotencyStore) -> None:
    await store.complete(ANN, "k1", FP, RESPONSE)

    assert await _outcome(store) is ClaimOutcome.CLAIMED


async def test_complete_with_another_fingerprint_stores_nothing(
    store: IdempotencyStore,
) -> None:
    await store.claim(ANN, "k1", FP)

    await store.complete(ANN, "k1", OTHER_FP, RESPONSE)

    assert await _outcome(store) is ClaimOutcome.IN_FLIGHT
    assert await _outcome(store, OTHER_FP) is ClaimOutcome.MISMATCH


# --- release --------------------------------------------------------------------------


async def test_release_makes_the_key_claimable_again(store: IdempotencyStore) -> None:
    await store.claim(ANN, "k1", FP)

    await store.release(ANN, "k1", FP)

    assert await _outcome(store, OTHER_FP) is ClaimOutcome.CLAIMED
    assert await _outcome(store, OTHER_FP) is ClaimOutcome.IN_FLIGHT


async def test_release_after_complete_keeps_the_response(store: IdempotencyStore) -> None:
    await store.claim(ANN, "k1", FP)
    await store.complete(ANN, "k1", FP, RESPONSE)

    await store.release(ANN, "k1", FP)

    assert await _outcome(store) is ClaimOutcome.REPLAY


async def test_release_with_another_fingerprint_keeps_the_claim(
    store: IdempotencyStore,
) -> None:
    await store.claim(ANN, "k1", FP)

    await store.release(ANN, "k1", OTHER_FP)

    assert await _outcome(store) is ClaimOutcome.IN_FLIGHT
    assert await _outcome(store, OTHER_FP) is ClaimOutcome.MISMATCH


async def test_release_of_an_unknown_key_is_a_no_op(store: IdempotencyStore) -> None:
    await store.release(ANN, "never-seen", FP)

    assert (await store.claim(ANN, "never-seen", FP)).outcome is ClaimOutcome.CLAIMED


# --- isolation ------------------------------------------------------------------------


async def test_scopes_are_isolated(store: IdempotencyStore) -> None:
    await store.claim(ANN, "k1", FP)
    await store.complete(ANN, "k1", FP, RESPONSE)

    assert await _outcome(store, OTHER_FP, scope=BOB) is ClaimOutcome.CLAIMED
    await store.release(BOB, "k1", OTHER_FP)
    assert await _outcome(store, scope=ANN) is ClaimOutcome.REPLAY


async def test_scope_and_key_cannot_run_into_each_other(store: IdempotencyStore) -> None:
    await store.claim("user:1", "a:b", FP)

    assert (await store.claim("user:1:a", "b", OTHER_FP)).outcome is ClaimOutcome.CLAIMED


async def test_keys_are_isolated(store: IdempotencyStore) -> None:
    await store.claim(ANN, "k1", FP)

    assert (await store.claim(ANN, "k2", OTHER_FP)).outcome is ClaimOutcome.CLAIMED


# --- expiry ---------------------------------------------------------------------------


async def test_a_claim_neither_completed_nor_released_expires_after_in_flight(
    backend: Backend,
) -> None:
    store = backend.store(in_flight=SHORT)
    await store.claim(ANN, "k1", FP)
    assert await _outcome(store, OTHER_FP) is ClaimOutcome.MISMATCH

    await backend.pass_time(SHORT)

    assert await _outcome(store, OTHER_FP) is ClaimOutcome.CLAIMED
    assert await _outcome(store) is ClaimOutcome.MISMATCH  # the key is the new claimant's


async def test_a_late_complete_and_release_leave_the_next_claim_alone(
    backend: Backend,
) -> None:
    # A claims, outlives its in-flight time, and B claims the key with another body.
    store = backend.store(in_flight=SHORT)
    await store.claim(ANN, "k1", FP)
    await backend.pass_time(SHORT)
    assert await _outcome(store, OTHER_FP) is ClaimOutcome.CLAIMED

    # A finishes late: neither its response nor its release may touch B's claim.
    await store.complete(ANN, "k1", FP, StoredResponse(status=201, headers=[], body=b"A"))
    await store.release(ANN, "k1", FP)

    assert await _outcome(store, OTHER_FP) is ClaimOutcome.IN_FLIGHT
    assert await _outcome(store) is ClaimOutcome.MISMATCH

    await store.complete(ANN, "k1", OTHER_FP, RESPONSE)

    replay = await store.claim(ANN, "k1", OTHER_FP)
    assert replay.outcome is ClaimOutcome.REPLAY
    assert replay.response is not None
    assert replay.response.body == RESPONSE.body
    assert await _outcome(store) is ClaimOutcome.MISMATCH


async def test_a_completed_response_outlives_the_in_flight_time(backend: Backend) -> None:
    store = backend.store(in_flight=SHORT)
    await store.claim(ANN, "k1", FP)
    await store.complete(ANN, "k1", FP, RESPONSE)

    await backend.pass_time(SHORT)

    assert await _outcome(store) is ClaimOutcome.REPLAY


async def test_a_completed_response_expires_after_retention(backend: Backend) -> None:
    store = backend.store(retention=SHORT)
    await store.claim(ANN, "k1", FP)
    await store.complete(ANN, "k1", FP, RESPONSE)
    assert await _outcome(store) is ClaimOutcome.REPLAY

    await backend.pass_time(SHORT)

    assert await _outcome(store, OTHER_FP) is ClaimOutcome.CLAIMED


# --- concurrency ----------------------------------------------------------------------


async def test_concurrent_claims_of_one_key_give_exactly_one_claimed(
    store: IdempotencyStore,
) -> None:
    claims = await asyncio.gather(*(store.claim(ANN, "hot", FP) for _ in range(50)))

    outcomes = [c.outcome for c in claims]
    assert outcomes.count(ClaimOutcome.CLAIMED) == 1
    assert outcomes.count(ClaimOutcome.IN_FLIGHT) == 49


async def test_concurrent_claims_with_mixed_fingerprints_give_exactly_one_claimed(
    store: IdempotencyStore,
) -> None:
    fps = [FP if i % 2 else OTHER_FP for i in range(40)]

    claims = await asyncio.gather(*(store.claim(ANN, "hot", fp) for fp in fps))

    winners = [fp for fp, c in zip(fps, claims, strict=True) if c.outcome is ClaimOutcome.CLAIMED]
    assert len(winners) == 1
    for fp, claim in zip(fps, claims, strict=True):
        if claim.outcome is not ClaimOutcome.CLAIMED:
            expected = ClaimOutcome.IN_FLIGHT if fp == winners[0] else ClaimOutcome.MISMATCH
            assert claim.outcome is expected


# --- adapter-specific promises ----------------------------------------------------------


@pytest.mark.redis
async def test_redis_concurrent_claims_across_two_clients_give_exactly_one_claimed(
    backend_redis: Backend,
) -> None:
    stores = [backend_redis.store(), backend_redis.store(other_instance=True)]

    claims = await asyncio.gather(*(stores[i % 2].claim(ANN, "hot", FP) for i in range(60)))

    outcomes = [c.outcome for c in claims]
    assert outcomes.count(ClaimOutcome.CLAIMED) == 1
    assert outcomes.count(ClaimOutcome.IN_FLIGHT) == 59


@pytest.mark.redis
async def test_redis_instances_share_claims_and_responses(backend_redis: Backend) -> None:
    first = backend_redis.store()
    second = backend_redis.store(other_instance=True)
    await first.claim(ANN, "k1", FP)

    assert (await second.claim(ANN, "k1", FP)).outcome is ClaimOutcome.IN_FLIGHT
    await first.complete(ANN, "k1", FP, RESPONSE)
    replay = await second.claim(ANN, "k1", FP)

    assert replay.outcome is ClaimOutcome.REPLAY
    assert replay.response is not None
    assert replay.response.body == RESPONSE.body
    await second.release(ANN, "k2", FP)  # unrelated key: a no-op
    assert (await first.claim(ANN, "k1", FP)).outcome is ClaimOutcome.REPLAY


@pytest.mark.redis
async def test_redis_keeps_one_hash_per_entry_with_server_side_ttls(
    redis_client: Redis, redis_prefix: str, clock: ManualClock
) -> None:
    store = RedisIdempotencyStore(redis_client, clock, prefix=redis_prefix)

    await store.claim(ANN, "k1", FP)

    key = f"{redis_prefix}{len(ANN)}:{ANN}:k1"
    assert [k async for k in redis_client.scan_iter(match=f"{redis_prefix}*")] == [key.encode()]
    assert await redis_client.hgetall(key) == {b"fp": FP.encode(), b"state": b"in_flight"}
    assert 0 < await redis_client.pttl(key) <= IN_FLIGHT_SECONDS * 1000

    await store.complete(ANN, "k1", FP, RESPONSE)

    assert await redis_client.hget(key, "state") == b"done"
    assert IN_FLIGHT_SECONDS * 1000 < await redis_client.pttl(key) <= RETENTION_SECONDS * 1000

    await store.release(ANN, "k1", FP)
    assert await redis_client.exists(key) == 1


@pytest.mark.parametrize("operation", ["claim", "complete", "release"])
async def test_an_unreachable_redis_raises_storage_unavailable(
    operation: str, clock: ManualClock
) -> None:
    # Port 1 refuses connections; no retries, so the failure comes at once.
    client = Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    store = RedisIdempotencyStore(client, clock)
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "claim": lambda: store.claim(ANN, "k1", FP),
        "complete": lambda: store.complete(ANN, "k1", FP, RESPONSE),
        "release": lambda: store.release(ANN, "k1", FP),
    }
    try:
        with pytest.raises(StorageUnavailable):
            await calls[operation]()
    finally:
        await client.aclose()


@pytest.mark.parametrize("lifetimes", [{"retention": 0.0}, {"in_flight": 0.0}])
async def test_lifetimes_must_be_positive(lifetimes: dict[str, float], clock: ManualClock) -> None:
    client = Redis(host="127.0.0.1", port=1)
    try:
        with pytest.raises(ValueError, match="in_flight"):
            MemoryIdempotencyStore(clock, **lifetimes)
        with pytest.raises(ValueError, match="in_flight"):
            RedisIdempotencyStore(client, clock, "p:", **lifetimes)
    finally:
        await client.aclose()


async def test_memory_expiry_is_exact_to_the_clock(clock: ManualClock) -> None:
    store = MemoryIdempotencyStore(clock, retention=60, in_flight=10)
    await store.claim(ANN, "k1", FP)

    clock.advance(9.999)
    assert await _outcome(store, OTHER_FP) is ClaimOutcome.MISMATCH
    await store.complete(ANN, "k1", FP, RESPONSE)
    clock.advance(59.999)
    assert await _outcome(store) is ClaimOutcome.REPLAY
    clock.advance(0.001)
    assert await _outcome(store, OTHER_FP) is ClaimOutcome.CLAIMED


async def test_memory_drops_expired_entries_so_it_stays_bounded(clock: ManualClock) -> None:
    store = MemoryIdempotencyStore(clock, retention=60, in_flight=10)
    for i in range(5000):
        await store.claim(ANN, f"old:{i}", FP)
    clock.advance(10)  # every one of those claims has expired

    for i in range(5000):
        await store.claim(ANN, f"new:{i}", FP)

    assert store.key_count <= 5000 + 2048
    # Swept keys behave exactly as if never seen.
    assert (await store.claim(ANN, "old:0", OTHER_FP)).outcome is ClaimOutcome.CLAIMED
    assert (await store.claim(ANN, "new:0", FP)).outcome is ClaimOutcome.IN_FLIGHT
