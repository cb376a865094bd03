"""A blob store in a dict, for tests and throwaway instances."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator

from chatport.adapters.blobs.keys import check_namespace, check_range, make_key, split_key
from chatport.domain.errors import NotFound, TooLarge
from chatport.domain.files import format_size
from chatport.ports.blobs import StoredBlob

_READ_CHUNK = 64 * 1024


class MemoryBlobStore:
    """``BlobStore`` over a dict: key -> bytes.

    Same contract as the filesystem store (keys, ranges, limits, dedup), except
    that every blob is held in memory and hashing runs on the loop: for tests.
    """

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    async def put(
        self, namespace: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None
    ) -> StoredBlob:
        check_namespace(namespace)
        body = bytearray()
        async for chunk in chunks:
            if max_bytes is not None and len(body) + len(chunk) > max_bytes:
                raise TooLarge(f"More than {format_size(max_bytes)}")
            body += chunk
        sha256 = hashlib.sha256(body).hexdigest()
        key = make_key(namespace, sha256)
        self._blobs.setdefault(key, bytes(body))
        return StoredBlob(key=key, sha256=sha256, size=len(body))

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        split_key(key)
        check_range(start, end)
        return self._stream(key, start, end)

    async def size(self, key: str) -> int | None:
        split_key(key)
        blob = self._blobs.get(key)
        return None if blob is None else len(blob)

    async def delete(self, key: str) -> bool:
        split_key(key)
        return self._blobs.pop(key, None) is not None

    @property
    def keys(self) -> frozenset[str]:
        """Every key held now, for tests that check what was kept."""
        return frozenset(self._blobs)

    async def _stream(self, key: str, start: int, end: int | None) -> AsyncIterator[bytes]:
        blob = self._blobs.get(key)
        if blob is None:
            raise NotFound("No such blob")
        stop = len(blob) if end is None else min(end + 1, len(blob))
        for offset in range(start, stop, _READ_CHUNK):
            yield blob[offset : min(offset + _READ_CHUNK, stop)]
