"""Rate-limit policies and the GCRA arithmetic every limiter adapter follows.

GCRA keeps one number per key, the theoretical arrival time (TAT) of the next
request. A request is allowed while it would not push the TAT more than a whole
period past now; that gives a burst of ``limit`` and then one request every
``period / limit``, with an exact ``retry_after``.
"""

from __future__ import annotations

import math

import msgspec


class RatePolicy(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    limit: int
    period: float  # seconds

    @property
    def interval(self) -> float:
        return self.period / self.limit


class RateDecision(msgspec.Struct, frozen=True, kw_only=True):
    allowed: bool
    limit: int
    remaining: int
    retry_after: float  # seconds until one more is allowed; 0 when allowed
    reset_after: float  # seconds until the bucket is full again


LOGIN = RatePolicy(name="login", limit=5, period=15 * 60)
REGISTER = RatePolicy(name="register", limit=5, period=15 * 60)
V1_API = RatePolicy(name="api", limit=60, period=60)
COMPLETIONS = RatePolicy(name="completions", limit=20, period=60)
UPLOADS = RatePolicy(name="uploads", limit=10, period=60)
IMAGES = RatePolicy(name="images", limit=5, period=60)
MODEL_PULL = RatePolicy(name="model_pull", limit=3, period=5 * 60)

# Slack, in seconds, for a request that arrives exactly on time: epoch seconds are
# only spaced ~2.4e-7 s apart as floats, so an interval they cannot hold (7.3 s / 3)
# lands a hair late. Clocks are millisecond-precise, so a millisecond of slack hides
# that noise. It never compounds: the stored TAT still moves a whole interval per
# request, so the rate stays exact and no request passes more than EPSILON early.
EPSILON = 1e-3


def gcra(
    tat: float | None, now: float, policy: RatePolicy, cost: int = 1
) -> tuple[RateDecision, float | None]:
    """Decide a request of ``cost`` at ``now`` against the stored ``tat``.

    Returns the decision and the TAT to store, or None when nothing changes (a
    refusal, or a cost of 0, which asks whether one more would pass and spends
    nothing). Times are seconds on any clock shared by all callers. A negative
    ``cost`` is a programming error: ValueError.
    """
    if cost < 0:
        raise ValueError("cost must not be negative")
    interval = policy.interval
    base = now if tat is None or tat < now else tat
    allow_at = base + interval * max(cost, 1) - policy.period
    if now < allow_at - EPSILON:
        return (
            RateDecision(
                allowed=False,
                limit=policy.limit,
                remaining=0,
                retry_after=allow_at - now,
                reset_after=base - now,
            ),
            None,
        )
    stored = base + interval * cost
    # The same slack in seconds as above, so ``remaining`` is exactly how many more
    # hits of 1 would pass now.
    remaining = math.floor((now + policy.period - stored + EPSILON) / interval)
    decision = RateDecision(
        allowed=True,
        limit=policy.limit,
        remaining=max(0, min(policy.limit, remaining)),
        retry_after=0.0,
        reset_after=max(0.0, stored - now),
    )
    return decision, (stored if cost > 0 else None)


def retry_after_seconds(decision: RateDecision) -> int:
    """Whole seconds a client should wait, never 0 for a refusal."""
    return max(1, math.ceil(decision.retry_after))
