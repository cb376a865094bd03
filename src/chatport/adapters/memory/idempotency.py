"""An idempotency store that keeps its claims in a dict, for a single process."""

from __future__ import annotations

from dataclasses import dataclass

from chatport.domain.idempotency import (
    IN_FLIGHT_SECONDS,
    RETENTION_SECONDS,
    Claim,
    ClaimOutcome,
    StoredResponse,
)
from chatport.ports.clock import Clock

# Below this many entries a sweep is not worth its cost.
_MIN_SWEEP_SIZE = 1024


@dataclass(slots=True)
class _Entry:
    fingerprint: str
    expires_at: float  # epoch seconds, from the clock
    response: StoredResponse | None = None  # None while the first request runs


class MemoryIdempotencyStore:
    """``IdempotencyStore`` over a dict: (scope, key) -> fingerprint, response, expiry.

    Contract (beyond the port's):
    - Time is ``clock.timestamp()``; an entry whose expiry is not after now is gone.
    - No method awaits, so on one event loop every call is atomic. Not safe to share
      across threads, nor across processes.
    - ``complete`` and ``release`` act only on a claim still in flight with the
      caller's fingerprint: the first stored response is never replaced, a completed
      key is never forgotten before its retention ends, and a late caller whose claim
      expired never touches the claim that replaced it.
    - Memory stays bounded by the live entries: expired ones are swept when the
      dict has doubled since the last sweep (amortised O(1) per new entry).
    """

    def __init__(
        self,
        clock: Clock,
        retention: float = RETENTION_SECONDS,
        in_flight: float = IN_FLIGHT_SECONDS,
    ) -> None:
        if retention <= 0 or in_flight <= 0:
            raise ValueError("retention and in_flight must be positive")
        self._clock = clock
        self._retention = retention
        self._in_flight = in_flight
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._sweep_at = _MIN_SWEEP_SIZE

    async def claim(self, scope: str, key: str, fingerprint: str) -> Claim:
        now = self._clock.timestamp()
        entry = self._live(scope, key, now)
        if entry is None:
            self._entries[scope, key] = _Entry(fingerprint, now + self._in_flight)
            if len(self._entries) > self._sweep_at:
                self._sweep(now)
            return Claim(outcome=ClaimOutcome.CLAIMED)
        if entry.fingerprint != fingerprint:
            return Claim(outcome=ClaimOutcome.MISMATCH)
        if entry.response is None:
            return Claim(outcome=ClaimOutcome.IN_FLIGHT)
        return Claim(outcome=ClaimOutcome.REPLAY, response=entry.response)

    async def complete(
        self, scope: str, key: str, fingerprint: str, response: StoredResponse
    ) -> None:
        now = self._clock.timestamp()
        entry = self._in_flight_claim(scope, key, fingerprint, now)
        if entry is None:
            return
        entry.response = response
        entry.expires_at = now + self._retention

    async def release(self, scope: str, key: str, fingerprint: str) -> None:
        if self._in_flight_claim(scope, key, fingerprint, self._clock.timestamp()):
            del self._entries[scope, key]

    @property
    def key_count(self) -> int:
        """How many entries are held now; expired ones linger until the next sweep."""
        return len(self._entries)

    def _in_flight_claim(self, scope: str, key: str, fingerprint: str, now: float) -> _Entry | None:
        """The live entry if it is still in flight for ``fingerprint``, else None."""
        entry = self._live(scope, key, now)
        if entry is None or entry.response is not None or entry.fingerprint != fingerprint:
            return None
        return entry

    def _live(self, scope: str, key: str, now: float) -> _Entry | None:
        entry = self._entries.get((scope, key))
        if entry is not None and entry.expires_at <= now:
            del self._entries[scope, key]
            return None
        return entry

    def _sweep(self, now: float) -> None:
        # Next threshold at twice the survivors keeps sweeps amortised O(1) per entry.
        for dead in [k for k, entry in self._entries.items() if entry.expires_at <= now]:
            del self._entries[dead]
        self._sweep_at = max(_MIN_SWEEP_SIZE, 2 * len(self._entries))
