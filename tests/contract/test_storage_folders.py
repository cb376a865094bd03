"""FolderRepository contract, on every SQL engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
import pytest

from chatport.domain.errors import AlreadyExists

if TYPE_CHECKING:
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import Seed


async def test_add_then_get_round_trips_every_field(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    folder = await seed.folder(alice, name="Work", color="#FFAA00", position=3, is_collapsed=True)

    async with storage.read() as uow:
        assert await uow.folders.get(alice.id, folder.id) == folder


async def test_another_users_folder_is_invisible(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    folder = await seed.folder(alice)

    async with storage.read() as uow:
        assert await uow.folders.get(bob.id, folder.id) is None
        assert await uow.folders.list_all(bob.id) == []


async def test_a_taken_id_is_taken(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    folder = await seed.folder(alice)

    with pytest.raises(AlreadyExists):
        await seed.folder(alice, id=folder.id)


async def test_list_all_is_by_position_then_creation(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    second = await seed.folder(alice, name="b", position=1)
    last = await seed.folder(alice, name="c", position=2)
    first = await seed.folder(alice, name="a", position=0)
    also_second = await seed.folder(alice, name="b2", position=1)

    async with storage.read() as uow:
        assert await uow.folders.list_all(alice.id) == [first, second, also_second, last]


async def test_next_position_is_one_past_the_highest(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")

    async with storage.read() as uow:
        assert await uow.folders.next_position(alice.id) == 0
    await seed.folder(alice, position=0)
    await seed.folder(alice, position=7)
    await seed.folder(alice, position=2)

    async with storage.read() as uow:
        assert await uow.folders.next_position(alice.id) == 8
        assert await uow.folders.next_position(bob.id) == 0


async def test_save_writes_every_mutable_field(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    folder = await seed.folder(alice, color="#000000")
    changed = msgspec.structs.replace(
        folder, name="Renamed", color=None, position=5, is_collapsed=True, updated_at=seed.now()
    )

    async with storage.write() as uow:
        await uow.folders.save(changed)
    async with storage.read() as uow:
        assert await uow.folders.get(alice.id, folder.id) == changed


async def test_save_changes_nothing_for_another_user(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    folder = await seed.folder(alice)

    async with storage.write() as uow:
        await uow.folders.save(msgspec.structs.replace(folder, user_id=bob.id, name="Stolen"))
    async with storage.read() as uow:
        assert await uow.folders.get(alice.id, folder.id) == folder


async def test_delete_keeps_the_chats_with_no_folder(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    folder = await seed.folder(alice)
    chat = await seed.chat(alice, folder_id=folder.id)

    async with storage.write() as uow:
        assert await uow.folders.delete(alice.id, folder.id) is True
        assert await uow.folders.delete(alice.id, folder.id) is False
    async with storage.read() as uow:
        assert await uow.folders.get(alice.id, folder.id) is None
        assert await uow.chats.get(alice.id, chat.id) == msgspec.structs.replace(
            chat, folder_id=None
        )


async def test_delete_of_another_users_folder_does_nothing(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    folder = await seed.folder(alice)

    async with storage.write() as uow:
        assert await uow.folders.delete(bob.id, folder.id) is False
    async with storage.read() as uow:
        assert await uow.folders.get(alice.id, folder.id) == folder
