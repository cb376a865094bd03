"""The rate limiter port. Adapters keep one GCRA state per key and follow
``chatport.domain.ratelimit.gcra`` to the letter, atomically per key."""

from __future__ import annotations

from typing import Protocol

from chatport.domain.ratelimit import RateDecision, RatePolicy


class RateLimiter(Protocol):
    async def hit(self, key: str, policy: RatePolicy, cost: int = 1) -> RateDecision:
        """Spend ``cost`` (>= 0; negative raises ValueError) from the key's bucket
        if it allows; say what happened."""
        ...

    async def peek(self, key: str, policy: RatePolicy) -> RateDecision:
        """Would one more request pass? Spends nothing."""
        ...

    async def reset(self, key: str, policy: RatePolicy) -> None:
        """Forget the key's bucket under this policy: it is full again. Its buckets
        under other policies are untouched; an unknown key is a no-op."""
        ...
