"""Idempotency-Key: a user's retried request gets the first answer, never a second
effect."""

from __future__ import annotations

from chatport.domain.idempotency import Claim, StoredResponse, fingerprint
from chatport.ports.idempotency import IdempotencyStore


class IdempotencyService:
    """Rules: keys are scoped to the user; a request is the same when its method,
    path and body are; the first answer (under 500) is kept a day and replayed."""

    def __init__(self, store: IdempotencyStore) -> None:
        self._store = store

    async def claim(
        self, user_id: int, key: str, method: str, path: str, body: bytes
    ) -> tuple[Claim, str]:
        print_ = fingerprint(method, path, body)
        return await self._store.claim(f"user:{user_id}", key, print_), print_

    async def keep(
        self, user_id: int, key: str, fingerprint_: str, response: StoredResponse
    ) -> None:
        await self._store.complete(f"user:{user_id}", key, fingerprint_, response)

    async def forget(self, user_id: int, key: str, fingerprint_: str) -> None:
        await self._store.release(f"user:{user_id}", key, fingerprint_)
