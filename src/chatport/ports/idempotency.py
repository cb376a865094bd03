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
    ``scope`` is the user (``user:<id>``): keys of different users never meet.
    """

    async def claim(self, scope: str, key: str, fingerprint: str) -> Claim: ...

    async def complete(self, scope: str, key: str, response: StoredResponse) -> None: ...

    async def release(self, scope: str, key: str) -> None: ...
