"""The idempotency store: the first response to (user, key), kept for a day."""

from __future__ import annotations

from typing import Protocol

from chatport.domain.idempotency import Claim, StoredResponse


class IdempotencyStore(Protocol):
    """Contract:
    - ``claim(scope, key, fingerprint)`` is atomic across instances: of requests racing
      with one (scope, key), exactly one gets CLAIMED; while it runs the others get
      IN_FLIGHT (same fingerprint) or MISMATCH (another one).
    - after ``complete``, a claim with the same fingerprint gets REPLAY with the stored
      response, another fingerprint MISMATCH, for ``retention`` seconds.
    - ``release`` forgets a claim whose request failed without an answer worth
      keeping, so the key may be used again; a claim neither completed nor released
      expires after ``in_flight`` seconds.
    - ``complete`` and ``release`` take the fingerprint their caller claimed with and
      act only when the stored claim has that fingerprint and is still in flight;
      otherwise they do nothing. So a request that outlived its claim (it expired and
      another request claimed the key, perhaps with another body) can neither store
      its response under the new claim nor forget it.
    ``scope`` is the user (``user:<id>``): keys of different users never meet.
    """

    async def claim(self, scope: str, key: str, fingerprint: str) -> Claim: ...

    async def complete(
        self, scope: str, key: str, fingerprint: str, response: StoredResponse
    ) -> None: ...

    async def release(self, scope: str, key: str, fingerprint: str) -> None: ...
