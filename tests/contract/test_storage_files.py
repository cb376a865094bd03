"""FileRepository contract, on every SQL engine."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from chatport.domain.errors import AlreadyExists
from chatport.domain.file_records import StoredFile

if TYPE_CHECKING:
    from chatport.domain.users import User
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import Seed


async def _file(seed: Seed, storage: Storage, owner: User, **fields: Any) -> StoredFile:
    sha = fields.pop("sha256", uuid.uuid4().hex * 2)
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "user_id": owner.id,
        "filename": "Relatório é.pdf",
        "size": 1234,
        "mime_type": "application/pdf",
        "sha256": sha,
        "storage_key": f"u{owner.id}/{sha}",
        "created_at": seed.now(),
    }
    file = StoredFile(**(values | fields))
    async with storage.write() as uow:
        await uow.files.add(file)
    return file


async def test_a_file_round_trips_and_is_its_owners_only(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user(), await seed.user()
    file = await _file(seed, storage, alice)

    async with storage.read() as uow:
        assert await uow.files.get(alice.id, file.id) == file
        assert await uow.files.get(bob.id, file.id) is None
        assert await uow.files.list_for_user(bob.id) == []
        assert await uow.files.get_many(bob.id, [file.id]) == []
    async with storage.write() as uow:
        assert await uow.files.delete(bob.id, file.id) is False
    async with storage.read() as uow:
        assert await uow.files.list_for_user(alice.id) == [file]


async def test_a_taken_id_is_refused(seed: Seed, storage: Storage) -> None:
    alice = await seed.user()
    file = await _file(seed, storage, alice)

    with pytest.raises(AlreadyExists):
        await _file(seed, storage, alice, id=file.id)


async def test_the_list_is_newest_first_and_get_many_takes_only_the_users(
    seed: Seed, storage: Storage
) -> None:
    alice, bob = await seed.user(), await seed.user()
    old = await _file(seed, storage, alice, created_at=seed.now() - timedelta(minutes=1))
    new = await _file(seed, storage, alice)
    bobs = await _file(seed, storage, bob)

    async with storage.read() as uow:
        assert await uow.files.list_for_user(alice.id) == [new, old]
        many = await uow.files.get_many(alice.id, [old.id, bobs.id, new.id, "nope"])
        assert await uow.files.get_many(alice.id, []) == []
    assert sorted(f.id for f in many) == sorted([old.id, new.id])


async def test_blob_refs_and_stored_bytes_count_a_shared_blob_once(
    seed: Seed, storage: Storage
) -> None:
    alice, bob = await seed.user(), await seed.user()
    sha = "ab" * 32
    first = await _file(seed, storage, alice, sha256=sha, size=1000)
    await _file(seed, storage, alice, sha256=sha, size=1000, filename="copy.pdf")
    await _file(seed, storage, alice, size=24)
    await _file(seed, storage, bob, size=5000)

    async with storage.read() as uow:
        assert await uow.files.count_blob_refs(first.storage_key) == 2
        assert await uow.files.stored_bytes(alice.id) == 1024
        assert await uow.files.stored_bytes(bob.id) == 5000
        assert await uow.files.count_blob_refs("u0/" + "cd" * 32) == 0
    async with storage.write() as uow:
        assert await uow.files.delete(alice.id, first.id) is True
    async with storage.read() as uow:
        assert await uow.files.count_blob_refs(first.storage_key) == 1
        assert await uow.files.stored_bytes(alice.id) == 1024


async def test_lock_blob_keeps_a_second_writer_waiting(seed: Seed, storage: Storage) -> None:
    alice = await seed.user()
    key = f"u{alice.id}/" + "ef" * 32
    order: list[str] = []
    holding = asyncio.Event()

    async def first() -> None:
        async with storage.write() as uow:
            await uow.files.lock_blob(key)
            holding.set()
            await asyncio.sleep(0.2)
            order.append("first done")

    async def second() -> None:
        await holding.wait()
        async with storage.write() as uow:
            await uow.files.lock_blob(key)
            order.append("second locked")

    await asyncio.gather(first(), second())

    assert order == ["first done", "second locked"]


async def test_a_users_files_go_with_the_user(seed: Seed, storage: Storage) -> None:
    alice = await seed.user()
    file = await _file(seed, storage, alice)

    async with storage.write() as uow:
        await uow.users.delete(alice.id)
    async with storage.read() as uow:
        assert await uow.files.count_blob_refs(file.storage_key) == 0
