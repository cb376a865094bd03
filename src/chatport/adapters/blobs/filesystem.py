"""A BlobStore on the local filesystem: one file per blob, named by its sha256."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from typing import BinaryIO

from chatport.adapters.blobs.keys import check_namespace, check_range, make_key, split_key
from chatport.domain.errors import NotFound, TooLarge
from chatport.domain.files import format_size
from chatport.ports.blobs import StoredBlob

_WRITE_BATCH = 256 * 1024  # bytes gathered before one thread hop to write them
_READ_CHUNK = 128 * 1024
_TEMP_DIR = ".tmp"  # a dot: no namespace can be spelled so
STALE_AFTER = 3600.0  # seconds; an older temp file belongs to no live upload


class FilesystemBlobStore:
    """``BlobStore`` over a directory: ``<root>/<namespace>/<sha[:2]>/<sha>``.

    Contract (beyond the port's):
    - ``put`` writes to ``<root>/.tmp/put-*`` (0600), fsyncs it, then renames it to
      its key (directories 0700): a crash leaves at most a temp file, never a
      partial blob. Content already under the key is kept and the copy removed.
    - Memory stays bounded whatever the size: chunks are written in batches of
      about 256 KiB, each batch hashed and written in a worker thread.
    - ``open(root)`` creates the root and removes the temp files left by a crash
      (those untouched for ``stale_after`` seconds, so that instances sharing the
      directory never remove each other's uploads in progress).
    - ``read`` checks the key and the range when called; a missing blob raises
      ``NotFound`` on the first iteration. A range past the end yields what exists.
    """

    def __init__(self, root: Path) -> None:
        self._root = root
        self._temp = root / _TEMP_DIR

    @classmethod
    async def open(cls, root: Path, *, stale_after: float = STALE_AFTER) -> FilesystemBlobStore:
        store = cls(root)
        await asyncio.to_thread(store._tidy, stale_after)
        return store

    async def put(
        self, namespace: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None
    ) -> StoredBlob:
        check_namespace(namespace)
        temp = await asyncio.to_thread(_TempFile, self._temp)
        try:
            size = await _fill(temp, chunks, max_bytes)
            sha256 = temp.hexdigest()
            await asyncio.to_thread(temp.commit, self._path(namespace, sha256))
        except BaseException:
            await _settle(temp.discard)
            raise
        return StoredBlob(key=make_key(namespace, sha256), sha256=sha256, size=size)

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        path = self._path(*split_key(key))
        check_range(start, end)
        return _stream(path, start, end)

    async def size(self, key: str) -> int | None:
        path = self._path(*split_key(key))
        try:
            stat = await asyncio.to_thread(path.stat)
        except FileNotFoundError:
            return None
        return stat.st_size

    async def delete(self, key: str) -> bool:
        path = self._path(*split_key(key))
        try:
            await asyncio.to_thread(path.unlink)
        except FileNotFoundError:
            return False
        return True

    def _path(self, namespace: str, sha256: str) -> Path:
        return self._root / namespace / sha256[:2] / sha256

    def _tidy(self, stale_after: float) -> None:
        _private_directories(self._root, self._temp)
        oldest = time.time() - stale_after
        with os.scandir(self._temp) as entries:
            for entry in entries:
                with contextlib.suppress(FileNotFoundError):
                    if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime <= oldest:
                        os.unlink(entry.path)


async def _fill(temp: _TempFile, chunks: AsyncIterable[bytes], max_bytes: int | None) -> int:
    size = 0
    batch: list[bytes] = []
    batched = 0
    async for chunk in chunks:
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise TooLarge(f"More than {format_size(max_bytes)}")
        batch.append(chunk)
        batched += len(chunk)
        if batched >= _WRITE_BATCH:
            await asyncio.to_thread(temp.write, batch)
            batch, batched = [], 0
    if batch:
        await asyncio.to_thread(temp.write, batch)
    return size


async def _stream(path: Path, start: int, end: int | None) -> AsyncIterator[bytes]:
    try:
        reader = await asyncio.to_thread(_Reader, path, start)
    except FileNotFoundError:
        raise NotFound("No such blob") from None
    try:
        left = None if end is None else end - start + 1
        while left is None or left > 0:
            size = _READ_CHUNK if left is None else min(_READ_CHUNK, left)
            data = await asyncio.to_thread(reader.read, size)
            if not data:
                return
            if left is not None:
                left -= len(data)
            yield data
    finally:
        await _settle(reader.close)


async def _settle(cleanup: Callable[[], None]) -> None:
    """Run ``cleanup`` in a thread to its end, even if this task is cancelled meanwhile."""
    await asyncio.shield(asyncio.get_running_loop().run_in_executor(None, cleanup))


class _TempFile:
    """A blob being written. Its methods run in worker threads; the lock keeps a
    discard (after a cancellation) from closing the file under a write in flight."""

    def __init__(self, directory: Path) -> None:
        _private_directories(directory.parent, directory)
        fd, name = tempfile.mkstemp(prefix="put-", dir=directory)  # mode 0600
        self.path = Path(name)
        self._file: BinaryIO = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self._lock = threading.Lock()

    def write(self, batch: list[bytes]) -> None:
        with self._lock:
            for data in batch:
                self._hash.update(data)
                self._file.write(data)

    def hexdigest(self) -> str:
        with self._lock:
            return self._hash.hexdigest()

    def commit(self, final: Path) -> None:
        with self._lock:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            if final.exists():
                self.path.unlink()
                return
            _private_directories(final.parent.parent, final.parent)
            os.replace(self.path, final)
            _fsync_directory(final.parent)

    def discard(self) -> None:
        with self._lock:
            with contextlib.suppress(OSError):
                self._file.close()
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)


class _Reader:
    def __init__(self, path: Path, start: int) -> None:
        self._file: BinaryIO = path.open("rb")
        self._file.seek(start)
        self._lock = threading.Lock()

    def read(self, size: int) -> bytes:
        with self._lock:
            return self._file.read(min(size, _READ_CHUNK))

    def close(self) -> None:
        with self._lock, contextlib.suppress(OSError):
            self._file.close()


def _private_directories(first: Path, *rest: Path) -> None:
    # mkdir's mode applies to the leaf only: each level that matters is made here.
    first.mkdir(mode=0o700, parents=True, exist_ok=True)
    for directory in rest:
        directory.mkdir(mode=0o700, exist_ok=True)


def _fsync_directory(directory: Path) -> None:
    # The rename is durable only once its directory is.
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
