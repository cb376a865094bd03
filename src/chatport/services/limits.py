"""Turning a rate limiter's answer into the error a user reads."""

from __future__ import annotations

from chatport.domain.errors import RateLimited
from chatport.domain.ratelimit import RateDecision, retry_after_seconds


def refuse_unless(decision: RateDecision, what: str) -> None:
    """Raise ``RateLimited`` ("Too many <what>; try again in ...") when refused."""
    if not decision.allowed:
        wait = retry_after_seconds(decision)
        raise RateLimited(f"Too many {what}; try again in {in_words(wait)}", wait)


def in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
