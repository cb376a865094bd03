"""A rate limiter that keeps its GCRA state in a dict, for a single process."""

from __future__ import annotations

from chatport.domain.ratelimit import RateDecision, RatePolicy, gcra
from chatport.ports.clock import Clock

# Below this many keys a sweep is not worth its cost.
_MIN_SWEEP_SIZE = 1024


class MemoryRateLimiter:
    """``RateLimiter`` over a dict: key -> policy name -> TAT (epoch seconds).

    Contract:
    - Each (key, policy) pair is an independent bucket, decided by
      ``chatport.domain.ratelimit.gcra`` with ``now = clock.timestamp()``.
    - ``hit`` and ``peek`` never await, so on one event loop every decision is
      atomic per key. Not safe to share across threads.
    - ``reset(key, policy)`` forgets that one bucket.
    - Memory stays bounded by the live keys: a TAT in the past means a full
      bucket, the same as no entry, so such entries are swept now and then.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._buckets: dict[str, dict[str, float]] = {}
        self._sweep_at = _MIN_SWEEP_SIZE

    async def hit(self, key: str, policy: RatePolicy, cost: int = 1) -> RateDecision:
        """Spend ``cost`` (>= 0) from the bucket if it allows; say what happened.

        ``gcra`` refuses a negative cost (ValueError) before anything is stored."""
        return self._decide(key, policy, cost)

    async def peek(self, key: str, policy: RatePolicy) -> RateDecision:
        """Would one more request pass? Spends nothing."""
        return self._decide(key, policy, 0)

    async def reset(self, key: str, policy: RatePolicy) -> None:
        """Forget the key's bucket under this policy: it is full again."""
        policies = self._buckets.get(key)
        if policies is None:
            return
        policies.pop(policy.name, None)
        if not policies:
            del self._buckets[key]

    @property
    def key_count(self) -> int:
        """How many keys hold state now; stale ones linger until the next sweep."""
        return len(self._buckets)

    def _decide(self, key: str, policy: RatePolicy, cost: int) -> RateDecision:
        # No await between the read and the write below: that is the atomicity.
        now = self._clock.timestamp()
        policies = self._buckets.get(key)
        tat = policies.get(policy.name) if policies else None
        decision, new_tat = gcra(tat, now, policy, cost)
        if new_tat is None:
            return decision
        if policies is not None:
            policies[policy.name] = new_tat
        else:
            # Only a new key can grow the dict, so only then is a sweep due.
            self._buckets[key] = {policy.name: new_tat}
            if len(self._buckets) > self._sweep_at:
                self._sweep(now)
        return decision

    def _sweep(self, now: float) -> None:
        # Next threshold at twice the survivors keeps sweeps amortised O(1) per key.
        for key in list(self._buckets):
            policies = self._buckets[key]
            for name in [name for name, tat in policies.items() if tat <= now]:
                del policies[name]
            if not policies:
                del self._buckets[key]
        self._sweep_at = max(_MIN_SWEEP_SIZE, 2 * len(self._buckets))
