"""The v1 rate limit's headers: ``X-RateLimit-Limit`` and ``-Remaining`` on every
answer of a request that was counted, errors included (the request middleware adds
them as the response starts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request

from chatport.domain.ratelimit import RateDecision

_STATE_KEY = "v1_rate"


def remember_decision(request: Request[Any, Any, Any], decision: RateDecision) -> None:
    request.scope.setdefault("state", {})[_STATE_KEY] = decision


def rate_limit_headers(state: Mapping[str, Any]) -> list[tuple[bytes, bytes]]:
    decision: RateDecision | None = state.get(_STATE_KEY)
    if decision is None:
        return []
    return [
        (b"x-ratelimit-limit", str(decision.limit).encode()),
        (b"x-ratelimit-remaining", str(max(0, decision.remaining)).encode()),
    ]
