"""One contract for every BlobStore adapter.

Each test runs against the memory and the filesystem adapter; the last ones check
what only the filesystem promises (files on disk, temp files, bounded memory).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest

from chatport.adapters.blobs import FilesystemBlobStore
from chatport.adapters.memory.blobs import MemoryBlobStore
from chatport.domain.errors import InvalidInput, NotFound, TooLarge
from chatport.ports.blobs import BlobStore

SHA_OF_NOTHING = hashlib.sha256(b"").hexdigest()


@pytest.fixture(params=["memory", "filesystem"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "memory":
        return MemoryBlobStore()
    return await FilesystemBlobStore.open(tmp_path / "blobs")


async def chunks_of(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def read_all(store: BlobStore, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in store.read(key, start, end)])


class Boom(Exception):
    pass


async def failing_after(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part
    raise Boom


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


# --- put and read ----------------------------------------------------------------------


async def test_what_is_put_reads_back_with_its_sha256_and_size(store: BlobStore) -> None:
    body = os.urandom(300_000)

    blob = await store.put("user-1", chunks_of(body[:1000], body[1000:200_000], body[200_000:]))

    assert blob.sha256 == hashlib.sha256(body).hexdigest()
    assert blob.size == len(body)
    assert blob.key == f"user-1/{blob.sha256}"
    assert await read_all(store, blob.key) == body
    assert await store.size(blob.key) == len(body)


async def test_reads_come_in_chunks_of_at_most_256_kib(store: BlobStore) -> None:
    blob = await store.put("u", chunks_of(os.urandom(1_000_000)))

    sizes = [len(chunk) async for chunk in store.read(blob.key)]
    ranged = [len(chunk) async for chunk in store.read(blob.key, 10, 999_989)]

    assert sum(sizes) == 1_000_000
    assert len(sizes) > 1
    assert max(sizes) <= 256 * 1024
    assert sum(ranged) == 999_980
    assert max(ranged) <= 256 * 1024  # a range too, however long


async def test_same_content_twice_in_a_namespace_is_one_blob(store: BlobStore) -> None:
    first = await store.put("u", chunks_of(b"same bytes"))
    second = await store.put("u", chunks_of(b"same ", b"bytes"))

    assert first == second
    assert await read_all(store, first.key) == b"same bytes"


async def test_same_content_in_two_namespaces_is_two_blobs(store: BlobStore) -> None:
    mine = await store.put("u1", chunks_of(b"shared"))
    yours = await store.put("u2", chunks_of(b"shared"))

    assert mine.key != yours.key
    assert mine.sha256 == yours.sha256
    assert await store.delete(mine.key)
    assert await read_all(store, yours.key) == b"shared"


async def test_an_empty_blob_is_stored_and_reads_as_nothing(store: BlobStore) -> None:
    blob = await store.put("u", chunks_of())

    assert blob.sha256 == SHA_OF_NOTHING
    assert blob.size == 0
    assert await read_all(store, blob.key) == b""
    assert await store.size(blob.key) == 0


# --- ranges ----------------------------------------------------------------------------


async def test_ranges_read_inclusive_slices(store: BlobStore) -> None:
    body = bytes(range(256)) * 2000  # 512,000 bytes, several read chunks
    key = (await store.put("u", chunks_of(body))).key

    assert await read_all(store, key, 100) == body[100:]
    assert await read_all(store, key, 10, 19) == body[10:20]
    assert await read_all(store, key, len(body) - 1) == body[-1:]
    assert await read_all(store, key, len(body) - 1, len(body) - 1) == body[-1:]
    assert await read_all(store, key, 0, 0) == body[:1]
    assert await read_all(store, key, 1000, 400_000) == body[1000:400_001]


async def test_a_range_past_the_end_yields_what_exists(store: BlobStore) -> None:
    key = (await store.put("u", chunks_of(b"0123456789"))).key

    assert await read_all(store, key, 8, 100) == b"89"
    assert await read_all(store, key, 10) == b""


@pytest.mark.parametrize(("start", "end"), [(-1, None), (5, 4)])
async def test_a_backwards_or_negative_range_is_refused(
    store: BlobStore, start: int, end: int | None
) -> None:
    key = (await store.put("u", chunks_of(b"0123456789"))).key

    with pytest.raises(InvalidInput):
        store.read(key, start, end)


# --- limits and failures ---------------------------------------------------------------


async def test_more_than_max_bytes_is_too_large_and_keeps_nothing(
    store: BlobStore, tmp_path: Path
) -> None:
    with pytest.raises(TooLarge):
        await store.put("u", chunks_of(b"x" * 600, b"x" * 600), max_bytes=1000)

    key = f"u/{hashlib.sha256(b'x' * 1200).hexdigest()}"
    assert await store.size(key) is None
    assert files_under(tmp_path) == []
    assert getattr(store, "keys", frozenset()) == frozenset()


async def test_exactly_max_bytes_is_stored(store: BlobStore) -> None:
    blob = await store.put("u", chunks_of(b"x" * 500, b"x" * 500), max_bytes=1000)

    assert blob.size == 1000


async def test_too_large_is_raised_before_the_rest_is_read(store: BlobStore) -> None:
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            yield b"x" * 65536

    with pytest.raises(TooLarge):
        await store.put("u", endless(), max_bytes=1_000_000)

    assert pulled == 16  # the 16th chunk crosses the limit


async def test_a_failing_source_propagates_and_keeps_nothing(
    store: BlobStore, tmp_path: Path
) -> None:
    with pytest.raises(Boom):
        await store.put("u", failing_after([b"a" * 300_000, b"b" * 300_000]))

    assert files_under(tmp_path) == []
    assert getattr(store, "keys", frozenset()) == frozenset()


# --- delete, missing -------------------------------------------------------------------


async def test_delete_is_true_once_then_false_and_reads_fail(store: BlobStore) -> None:
    key = (await store.put("u", chunks_of(b"gone soon"))).key

    assert await store.delete(key) is True
    assert await store.delete(key) is False
    assert await store.size(key) is None
    with pytest.raises(NotFound):
        await read_all(store, key)


async def test_a_deleted_blob_can_be_put_again(store: BlobStore) -> None:
    key = (await store.put("u", chunks_of(b"again"))).key
    await store.delete(key)

    assert (await store.put("u", chunks_of(b"again"))).key == key
    assert await read_all(store, key) == b"again"


async def test_a_key_never_stored_is_not_found(store: BlobStore) -> None:
    key = f"u/{SHA_OF_NOTHING}"

    assert await store.size(key) is None
    assert await store.delete(key) is False
    with pytest.raises(NotFound):
        await read_all(store, key)


# --- keys ------------------------------------------------------------------------------

BAD_KEYS = [
    "../x",
    f"../{SHA_OF_NOTHING}",
    f"u/../{SHA_OF_NOTHING}",
    f"a/b/{SHA_OF_NOTHING}",
    "a/b/c",
    f"u/{SHA_OF_NOTHING.upper()}",
    f"u/{SHA_OF_NOTHING[:-1]}",
    f"u/{SHA_OF_NOTHING}\n",
    f"{'n' * 65}/{SHA_OF_NOTHING}",
    f"/{SHA_OF_NOTHING}",
    f"u.x/{SHA_OF_NOTHING}",
    SHA_OF_NOTHING,
    "",
]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_a_key_of_another_shape_is_refused_everywhere(store: BlobStore, key: str) -> None:
    with pytest.raises(InvalidInput):
        store.read(key)
    with pytest.raises(InvalidInput):
        await store.size(key)
    with pytest.raises(InvalidInput):
        await store.delete(key)


@pytest.mark.parametrize("namespace", ["", "..", "a/b", "a.b", "n" * 65, "ü", "a b"])
async def test_a_bad_namespace_is_refused_before_reading_anything(
    store: BlobStore, namespace: str
) -> None:
    pulled = False

    async def source() -> AsyncIterator[bytes]:
        nonlocal pulled
        pulled = True
        yield b"x"

    with pytest.raises(InvalidInput):
        await store.put(namespace, source())
    assert not pulled


async def test_a_namespace_of_64_characters_is_fine(store: BlobStore) -> None:
    blob = await store.put("A-z_0" * 12 + "abcd", chunks_of(b"x"))

    assert await read_all(store, blob.key) == b"x"


# --- filesystem only -------------------------------------------------------------------


@pytest.fixture
async def fs_store(tmp_path: Path) -> FilesystemBlobStore:
    return await FilesystemBlobStore.open(tmp_path / "blobs")


async def test_a_blob_is_one_private_file_named_by_its_hash(
    fs_store: FilesystemBlobStore, tmp_path: Path
) -> None:
    blob = await fs_store.put("u", chunks_of(b"on disk"))
    await fs_store.put("u", chunks_of(b"on ", b"disk"))

    root = tmp_path / "blobs"
    path = root / "u" / blob.sha256[:2] / blob.sha256
    assert files_under(root) == [path]
    assert path.read_bytes() == b"on disk"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for directory in (root / "u", path.parent, root / ".tmp"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


async def test_a_stale_temp_file_is_removed_at_open_and_a_fresh_one_kept(
    tmp_path: Path,
) -> None:
    root = tmp_path / "blobs"
    await FilesystemBlobStore.open(root)
    stale = root / ".tmp" / "put-crashed"
    stale.write_bytes(b"half a blob")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    fresh = root / ".tmp" / "put-in-progress"
    fresh.write_bytes(b"another instance's upload")

    await FilesystemBlobStore.open(root)

    assert not stale.exists()
    assert fresh.exists()


async def test_open_can_remove_every_temp_file(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    (root / ".tmp").mkdir(parents=True)
    (root / ".tmp" / "put-crashed").write_bytes(b"half")

    await FilesystemBlobStore.open(root, stale_after=0)

    assert files_under(root) == []


async def test_a_cancelled_put_leaves_no_temp_file(
    fs_store: FilesystemBlobStore, tmp_path: Path
) -> None:
    async def stalls() -> AsyncIterator[bytes]:
        yield b"x" * 300_000
        await asyncio.Event().wait()
        yield b"never"

    task = asyncio.create_task(fs_store.put("u", stalls()))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert files_under(tmp_path) == []


async def test_an_abandoned_read_closes_its_file(fs_store: FilesystemBlobStore) -> None:
    key = (await fs_store.put("u", chunks_of(os.urandom(600_000)))).key
    before = len(os.listdir("/proc/self/fd"))

    stream = fs_store.read(key)
    assert len(await anext(stream)) > 0
    await stream.aclose()

    assert len(os.listdir("/proc/self/fd")) == before


async def test_a_20_mb_put_and_read_stream_in_bounded_memory(
    fs_store: FilesystemBlobStore,
) -> None:
    size = 20 * 1024 * 1024
    piece = 64 * 1024
    digest = hashlib.sha256()

    async def source() -> AsyncIterator[bytes]:
        for _ in range(size // piece):
            chunk = os.urandom(piece)
            digest.update(chunk)
            yield chunk

    tracemalloc.start()
    try:
        blob = await fs_store.put("u", source())
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        read = 0
        async for chunk in fs_store.read(blob.key):
            read += len(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert blob.size == read == size
    assert blob.sha256 == digest.hexdigest()
    assert put_peak < 4 * 1024 * 1024
    assert read_peak < 4 * 1024 * 1024
