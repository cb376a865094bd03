"""An idempotency store in Redis, shared by every process."""

from __future__ import annotations

import msgspec
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from chatport.domain.errors import StorageUnavailable
from chatport.domain.idempotency import (
    IN_FLIGHT_SECONDS,
    RETENTION_SECONDS,
    Claim,
    ClaimOutcome,
    StoredResponse,
)
from chatport.ports.clock import Clock

# One hash per (scope, key): fp (the fingerprint), state (in_flight | done) and,
# once done, resp (the StoredResponse as JSON). Expiry is the key's own TTL, set by
# the server, so every process agrees on it whatever its clock.
#
# KEYS[1] the entry; ARGV fingerprint, in-flight TTL (ms)
# Answers {0} claimed, {1} in flight, {2} mismatch, {3, resp} replay.
_CLAIM_LUA = """
local found = redis.call('HMGET', KEYS[1], 'fp', 'state', 'resp')
if not found[1] then
    redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'state', 'in_flight')
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {0}
end
if found[1] ~= ARGV[1] then
    return {2}
end
if found[2] ~= 'done' or not found[3] then
    return {1}
end
return {3, found[3]}
"""

# complete and release act only on a claim in flight with the caller's fingerprint.
# KEYS[1] the entry; ARGV fingerprint, the response (JSON), retention TTL (ms)
_COMPLETE_LUA = """
local found = redis.call('HMGET', KEYS[1], 'fp', 'state')
if found[1] ~= ARGV[1] or found[2] ~= 'in_flight' then
    return 0
end
redis.call('HSET', KEYS[1], 'state', 'done', 'resp', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""

# KEYS[1] the entry; ARGV fingerprint
_RELEASE_LUA = """
local found = redis.call('HMGET', KEYS[1], 'fp', 'state')
if found[1] ~= ARGV[1] or found[2] ~= 'in_flight' then
    return 0
end
return redis.call('DEL', KEYS[1])
"""

_OUTCOMES = {
    0: ClaimOutcome.CLAIMED,
    1: ClaimOutcome.IN_FLIGHT,
    2: ClaimOutcome.MISMATCH,
    3: ClaimOutcome.REPLAY,
}

# JSON (body in base64), not msgpack: text survives a client with decode_responses.
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(StoredResponse).decode


def _milliseconds(seconds: float) -> int:
    ms = round(seconds * 1000)
    if ms < 1:
        raise ValueError("retention and in_flight must be at least 1 ms")
    return ms


class RedisIdempotencyStore:
    """``IdempotencyStore`` over Redis: one hash per entry at
    ``prefix + len(scope) + ":" + scope + ":" + key`` (the length keeps any scope
    from running into a key).

    Contract (beyond the port's):
    - ``claim``, ``complete`` and ``release`` are each one Lua script: atomic per key
      across processes.
    - Expiry is a server-side TTL (real time): ``in_flight`` from the claim,
      ``retention`` from the completion. ``clock`` is accepted for wiring symmetry
      with the memory adapter and not used.
    - ``complete`` and ``release`` act only on a claim still in flight with the
      caller's fingerprint: the first stored response is never replaced, a completed
      key is never forgotten before its retention ends, and a late caller whose claim
      expired never touches the claim that replaced it.
    - A Redis that cannot be reached raises ``StorageUnavailable``.
    - The client is borrowed: closing it is the owner's job.
    """

    def __init__(
        self,
        redis: Redis,
        clock: Clock,
        prefix: str = "chatport:idem:",
        retention: float = RETENTION_SECONDS,
        in_flight: float = IN_FLIGHT_SECONDS,
    ) -> None:
        self._client = redis
        self._clock = clock
        self._prefix = prefix
        self._retention_ms = _milliseconds(retention)
        self._in_flight_ms = _milliseconds(in_flight)
        self._claim = redis.register_script(_CLAIM_LUA)
        self._complete = redis.register_script(_COMPLETE_LUA)
        self._release = redis.register_script(_RELEASE_LUA)

    async def claim(self, scope: str, key: str, fingerprint: str) -> Claim:
        try:
            reply = await self._claim(
                keys=[self._entry_key(scope, key)], args=[fingerprint, self._in_flight_ms]
            )
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise StorageUnavailable("The idempotency store (Redis) is unavailable") from exc
        outcome = _OUTCOMES[int(reply[0])]
        if outcome is ClaimOutcome.REPLAY:
            return Claim(outcome=outcome, response=_decode(reply[1]))
        return Claim(outcome=outcome)

    async def complete(
        self, scope: str, key: str, fingerprint: str, response: StoredResponse
    ) -> None:
        try:
            await self._complete(
                keys=[self._entry_key(scope, key)],
                args=[fingerprint, _encode(response), self._retention_ms],
            )
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise StorageUnavailable("The idempotency store (Redis) is unavailable") from exc

    async def release(self, scope: str, key: str, fingerprint: str) -> None:
        try:
            await self._release(keys=[self._entry_key(scope, key)], args=[fingerprint])
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise StorageUnavailable("The idempotency store (Redis) is unavailable") from exc

    def _entry_key(self, scope: str, key: str) -> str:
        return f"{self._prefix}{len(scope)}:{scope}:{key}"
