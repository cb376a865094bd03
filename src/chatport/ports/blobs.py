"""Where uploaded files' bytes live: a content-addressed store of blobs."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Protocol

import msgspec


class StoredBlob(msgspec.Struct, frozen=True, kw_only=True):
    key: str  # "<namespace>/<sha256 hex>": the blob's address in the store
    sha256: str  # lowercase hex
    size: int  # bytes


class BlobStore(Protocol):
    """Contract:
    - ``put`` streams ``chunks`` in, hashing as they come, into a temporary name that
      is renamed to its key only once complete: a crash or an error never leaves a
      half blob under a key. The key is ``<namespace>/<sha256>``; content already
      stored in the namespace is kept once (the new copy is dropped).
    - More than ``max_bytes`` raises ``TooLarge`` and keeps nothing; an exception
      from ``chunks`` propagates and keeps nothing.
    - ``read`` yields the blob's bytes from ``start`` to ``end`` (inclusive; None:
      to the last byte) in chunks; ``NotFound`` when there is no such blob.
    - ``size`` is None for a missing blob; ``delete`` is True when one was removed.
    - A namespace is 1 to 64 of ``[A-Za-z0-9_-]``; a key that is not one the store
      made (``..``, slashes, another shape) is refused with ``InvalidInput``.
    - Hashing and file writes run off the event loop.
    """

    async def put(
        self, namespace: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None
    ) -> StoredBlob: ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]: ...

    async def size(self, key: str) -> int | None: ...

    async def delete(self, key: str) -> bool: ...
