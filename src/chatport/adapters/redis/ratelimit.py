"""A rate limiter that keeps its GCRA state in Redis, shared by every process."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from chatport.domain.errors import StorageUnavailable
from chatport.domain.ratelimit import EPSILON, RateDecision, RatePolicy
from chatport.ports.clock import Clock

# The arithmetic of ``chatport.domain.ratelimit.gcra``, line for line and in the same
# order of operations: Lua numbers are IEEE doubles like Python floats, so both give
# bit-identical results. Floats cross the boundary as text: redis-py sends repr()
# (round-trips exactly), and we answer with %.17g because a Lua number returned to
# Redis is truncated to an integer and tostring() keeps only 14 digits.
#
# KEYS[1] the bucket (its TAT, epoch seconds as text)
# ARGV    now, period, limit, cost, epsilon
_GCRA_LUA = """
local now = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local epsilon = tonumber(ARGV[5])
local interval = period / limit

local base = now
local stored_tat = redis.call('GET', KEYS[1])
if stored_tat then
    local tat = tonumber(stored_tat)
    if not (tat < now) then
        base = tat
    end
end

local allow_at = base + interval * math.max(cost, 1) - period
if now < allow_at - epsilon then
    return {0, 0, string.format('%.17g', allow_at - now), string.format('%.17g', base - now)}
end

local stored = base + interval * cost
local remaining = math.floor((now + period - stored + epsilon) / interval)
remaining = math.max(0, math.min(limit, remaining))
if cost > 0 then
    -- The key lives exactly until the bucket is full again: an absent key means full.
    local ttl_ms = math.max(1, math.ceil((stored - now) * 1000))
    redis.call('SET', KEYS[1], string.format('%.17g', stored), 'PX', string.format('%d', ttl_ms))
end
return {1, remaining, '0', string.format('%.17g', math.max(0, stored - now))}
"""


class RedisRateLimiter:
    """``RateLimiter`` over Redis: one key per bucket, ``prefix + policy.name + ":" + key``.

    Contract:
    - Decisions follow ``chatport.domain.ratelimit.gcra`` exactly, with ``now`` taken
      from the injected clock (so every process must share a clock, as system clocks
      do), and run as one Lua script: atomic per key across processes.
    - A bucket key expires when its bucket is full again, so Redis holds only live
      state.
    - ``reset(key, policy)`` deletes that one bucket key.
    - A Redis that cannot be reached raises ``StorageUnavailable``.
    - The client is borrowed: closing it is the owner's job.
    """

    def __init__(self, client: Redis, clock: Clock, prefix: str = "chatport:rl:") -> None:
        self._client = client
        self._clock = clock
        self._prefix = prefix
        self._script = client.register_script(_GCRA_LUA)

    async def hit(self, key: str, policy: RatePolicy, cost: int = 1) -> RateDecision:
        """Spend ``cost`` (>= 0) from the bucket if it allows; say what happened."""
        # The script does not go through ``gcra``, so its cost rule is checked here.
        if cost < 0:
            raise ValueError("cost must not be negative")
        return await self._decide(key, policy, cost)

    async def peek(self, key: str, policy: RatePolicy) -> RateDecision:
        """Would one more request pass? Spends nothing."""
        return await self._decide(key, policy, 0)

    async def reset(self, key: str, policy: RatePolicy) -> None:
        """Forget the key's bucket under this policy: it is full again."""
        try:
            await self._client.delete(self._bucket_key(key, policy))
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise StorageUnavailable("The rate limit store (Redis) is unavailable") from exc

    async def _decide(self, key: str, policy: RatePolicy, cost: int) -> RateDecision:
        now = self._clock.timestamp()
        try:
            reply = await self._script(
                keys=[self._bucket_key(key, policy)],
                # redis-py encodes floats with repr(), which Lua's tonumber reads back exactly.
                args=[now, float(policy.period), policy.limit, cost, EPSILON],
            )
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise StorageUnavailable("The rate limit store (Redis) is unavailable") from exc
        allowed, remaining, retry_after, reset_after = reply
        return RateDecision(
            allowed=bool(allowed),
            limit=policy.limit,
            remaining=int(remaining),
            retry_after=float(retry_after),
            reset_after=float(reset_after),
        )

    def _bucket_key(self, key: str, policy: RatePolicy) -> str:
        return f"{self._prefix}{policy.name}:{key}"
