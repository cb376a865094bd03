"""UserRepository contract, on every SQL engine."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from chatport.domain.audit import AuditAction, AuditEntry
from chatport.domain.errors import AlreadyExists
from chatport.domain.users import NewUser, Role, User

if TYPE_CHECKING:
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import Seed
    from tests.support import ManualClock


async def test_add_returns_the_user_with_an_id_and_get_finds_it(
    storage: Storage, clock: ManualClock
) -> None:
    new = NewUser(
        username="alice",
        password_hash="argon2id$alice",
        role=Role.ADMIN,
        created_at=clock.now(),
        email="alice@example.com",
        name="Alice Liddell",
    )
    async with storage.write() as uow:
        added = await uow.users.add(new)

    assert added.id > 0
    assert added == User(
        id=added.id,
        username="alice",
        password_hash="argon2id$alice",
        role=Role.ADMIN,
        created_at=new.created_at,
        email="alice@example.com",
        name="Alice Liddell",
    )
    async with storage.read() as uow:
        assert await uow.users.get(added.id) == added


async def test_ids_differ_and_list_all_is_oldest_first(seed: Seed, storage: Storage) -> None:
    first, second, third = [await seed.user(name) for name in ("carol", "alice", "bob")]

    assert len({first.id, second.id, third.id}) == 3
    async with storage.read() as uow:
        assert await uow.users.list_all() == [first, second, third]
        assert await uow.users.count() == 3


async def test_an_empty_store_counts_no_user(storage: Storage) -> None:
    async with storage.read() as uow:
        assert await uow.users.count() == 0
        assert await uow.users.list_all() == []


async def test_get_of_an_unknown_id_is_none(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    async with storage.read() as uow:
        assert await uow.users.get(alice.id + 1000) is None


async def test_get_by_username_ignores_case(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("Alice")

    async with storage.read() as uow:
        assert await uow.users.get_by_username("alice") == alice
        assert await uow.users.get_by_username("ALICE") == alice
        assert await uow.users.get_by_username("Alice") == alice
        assert await uow.users.get_by_username("alicia") is None


async def test_a_username_differing_only_in_case_is_taken(
    seed: Seed, storage: Storage, clock: ManualClock
) -> None:
    await seed.user("alice")
    twin = NewUser(username="ALICE", password_hash="h", role=Role.MEMBER, created_at=clock.now())

    with pytest.raises(AlreadyExists):
        async with storage.write() as uow:
            await uow.users.add(twin)

    async with storage.read() as uow:
        assert await uow.users.count() == 1


async def test_a_taken_email_is_taken(seed: Seed) -> None:
    await seed.user("a1", email="a@example.com")

    with pytest.raises(AlreadyExists):
        await seed.user("a2", email="a@example.com")


async def test_set_role_set_disabled_and_set_password_hash(
    seed: Seed, storage: Storage, clock: ManualClock
) -> None:
    bob = await seed.user("bob")
    disabled_at = clock.now() + timedelta(minutes=5)

    async with storage.write() as uow:
        await uow.users.set_role(bob.id, Role.READONLY)
        await uow.users.set_disabled(bob.id, disabled_at)
        await uow.users.set_password_hash(bob.id, "argon2id$new")
    async with storage.read() as uow:
        changed = await uow.users.get(bob.id)
    assert changed is not None
    assert (changed.role, changed.disabled_at, changed.password_hash) == (
        Role.READONLY,
        disabled_at,
        "argon2id$new",
    )
    assert changed.is_disabled

    async with storage.write() as uow:
        await uow.users.set_disabled(bob.id, None)
    async with storage.read() as uow:
        enabled = await uow.users.get(bob.id)
    assert enabled is not None
    assert enabled.disabled_at is None


async def test_changes_touch_only_their_user(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")

    async with storage.write() as uow:
        await uow.users.set_role(bob.id, Role.ADMIN)
        await uow.users.set_password_hash(bob.id, "other")
    async with storage.read() as uow:
        assert await uow.users.get(alice.id) == alice


async def test_delete_takes_everything_the_user_owns(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    session = await seed.session(alice)
    folder = await seed.folder(alice)
    chat = await seed.chat(alice, folder_id=folder.id)
    message = await seed.message(chat)
    bobs_chat = await seed.chat(bob)

    async with storage.write() as uow:
        assert await uow.users.delete(alice.id) is True
        assert await uow.users.delete(alice.id) is False

    async with storage.read() as uow:
        assert await uow.users.get(alice.id) is None
        assert await uow.sessions.get_with_user(session.token_hash) is None
        assert await uow.folders.get(alice.id, folder.id) is None
        assert await uow.chats.get(alice.id, chat.id) is None
        assert await uow.messages.get(chat.id, message.id) is None
        assert await uow.chats.get(bob.id, bobs_chat.id) == bobs_chat
        assert await uow.users.list_all() == [bob]


async def test_delete_keeps_the_audit_log_without_the_user(
    seed: Seed, storage: Storage, clock: ManualClock
) -> None:
    alice = await seed.user("alice")
    async with storage.write() as uow:
        await uow.audit.add(
            AuditEntry(action=AuditAction.LOGIN, created_at=clock.now(), user_id=alice.id)
        )
        await uow.users.delete(alice.id)

    async with storage.read() as uow:
        [entry] = await uow.audit.list_page(limit=10, offset=0)
    assert (entry.action, entry.user_id) == (AuditAction.LOGIN, None)


async def test_a_deleted_users_id_is_not_given_again(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    async with storage.write() as uow:
        await uow.users.delete(alice.id)

    bob = await seed.user("bob")

    assert bob.id > alice.id
