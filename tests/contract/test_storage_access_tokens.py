"""AccessTokenRepository contract, on every SQL engine."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from chatport.domain.errors import AlreadyExists
from chatport.domain.tokens import AccessToken, NewAccessToken

if TYPE_CHECKING:
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import Seed


async def test_add_returns_every_field_and_get_with_user_reads_them_back(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    created_at = seed.now()
    new = NewAccessToken(
        user_id=alice.id,
        name="Pixel 9",
        token_hash="a" * 64,
        created_at=created_at,
        abilities=("chats:read", "chats:write"),
        expires_at=created_at + timedelta(days=90, milliseconds=125),
    )

    async with storage.write() as uow:
        token = await uow.access_tokens.add(new)
    async with storage.read() as uow:
        found = await uow.access_tokens.get_with_user(token.id)

    assert token == AccessToken(
        id=token.id,
        user_id=alice.id,
        name="Pixel 9",
        token_hash="a" * 64,
        abilities=("chats:read", "chats:write"),
        created_at=created_at,
        expires_at=new.expires_at,
        last_used_at=None,
    )
    assert found == (token, alice)


async def test_defaults_round_trip_no_expiry_and_every_ability(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    token = await seed.access_token(alice)

    async with storage.read() as uow:
        found = await uow.access_tokens.get_with_user(token.id)

    assert found is not None
    assert found[0] == token
    assert found[0].abilities == ("*",)
    assert found[0].expires_at is None
    assert found[0].last_used_at is None


async def test_empty_abilities_round_trip(seed: Seed, storage: Storage) -> None:
    token = await seed.access_token(await seed.user("alice"), abilities=())

    async with storage.read() as uow:
        found = await uow.access_tokens.get_with_user(token.id)

    assert found is not None
    assert found[0].abilities == ()


async def test_ids_differ_and_grow(seed: Seed) -> None:
    alice = await seed.user("alice")
    first, second = await seed.access_token(alice), await seed.access_token(alice)

    assert second.id > first.id


async def test_get_with_user_of_an_unknown_id_is_none(seed: Seed, storage: Storage) -> None:
    token = await seed.access_token(await seed.user("alice"))

    async with storage.read() as uow:
        assert await uow.access_tokens.get_with_user(token.id + 1000) is None


async def test_a_taken_token_hash_is_taken(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    token = await seed.access_token(alice)

    with pytest.raises(AlreadyExists):
        await seed.access_token(bob, token_hash=token.token_hash)
    async with storage.read() as uow:
        assert await uow.access_tokens.list_for_user(bob.id) == []


async def test_a_write_block_goes_on_after_a_taken_hash(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    token = await seed.access_token(alice)
    again = NewAccessToken(
        user_id=alice.id, name="Again", token_hash=token.token_hash, created_at=seed.now()
    )
    other = NewAccessToken(
        user_id=alice.id, name="Other", token_hash="b" * 64, created_at=seed.now()
    )

    async with storage.write() as uow:
        with pytest.raises(AlreadyExists):
            await uow.access_tokens.add(again)
        added = await uow.access_tokens.add(other)
    async with storage.read() as uow:
        assert [t.id for t in await uow.access_tokens.list_for_user(alice.id)] == [
            added.id,
            token.id,
        ]


async def test_list_for_user_is_newest_first_and_holds_only_theirs(
    seed: Seed, storage: Storage
) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    first = await seed.access_token(alice)
    bobs = await seed.access_token(bob)
    second = await seed.access_token(alice, expires_at=seed.now() + timedelta(days=1))
    third = await seed.access_token(alice, abilities=("models:read",))

    async with storage.read() as uow:
        alices = await uow.access_tokens.list_for_user(alice.id)
        bob_list = await uow.access_tokens.list_for_user(bob.id)
        nobody = await uow.access_tokens.list_for_user(bob.id + 1000)

    assert alices == [third, second, first]
    assert bob_list == [bobs]
    assert nobody == []


async def test_touch_moves_last_used_at_only(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    token = await seed.access_token(alice, expires_at=seed.now() + timedelta(days=7))
    other = await seed.access_token(alice)
    used_at = token.created_at + timedelta(minutes=3, milliseconds=250)

    async with storage.write() as uow:
        await uow.access_tokens.touch(token.id, used_at)
        await uow.access_tokens.touch(other.id + 1000, used_at)
    async with storage.read() as uow:
        found = await uow.access_tokens.get_with_user(token.id)
        untouched = await uow.access_tokens.get_with_user(other.id)

    assert found is not None
    assert found[0] == AccessToken(
        id=token.id,
        user_id=token.user_id,
        name=token.name,
        token_hash=token.token_hash,
        abilities=token.abilities,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=used_at,
    )
    assert untouched is not None
    assert untouched[0] == other


async def test_delete_revokes_one_of_the_users_tokens(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    revoked, kept = await seed.access_token(alice), await seed.access_token(alice)

    async with storage.write() as uow:
        assert await uow.access_tokens.delete(alice.id, revoked.id) is True
        assert await uow.access_tokens.delete(alice.id, revoked.id) is False
    async with storage.read() as uow:
        assert await uow.access_tokens.get_with_user(revoked.id) is None
        assert await uow.access_tokens.list_for_user(alice.id) == [kept]


async def test_delete_of_another_users_token_is_false_and_changes_nothing(
    seed: Seed, storage: Storage
) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    alices = await seed.access_token(alice)

    async with storage.write() as uow:
        assert await uow.access_tokens.delete(bob.id, alices.id) is False
    async with storage.read() as uow:
        assert await uow.access_tokens.get_with_user(alices.id) == (alices, alice)


async def test_delete_for_user_counts_and_keeps_other_users_tokens(
    seed: Seed, storage: Storage
) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    alices = [await seed.access_token(alice) for _ in range(3)]
    bobs = await seed.access_token(bob)

    async with storage.write() as uow:
        assert await uow.access_tokens.delete_for_user(alice.id) == 3
        assert await uow.access_tokens.delete_for_user(alice.id) == 0
    async with storage.read() as uow:
        assert await uow.access_tokens.list_for_user(alice.id) == []
        assert all([await uow.access_tokens.get_with_user(t.id) is None for t in alices])
        assert await uow.access_tokens.list_for_user(bob.id) == [bobs]


async def test_a_deleted_users_tokens_go_with_them(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    alices = await seed.access_token(alice)
    bobs = await seed.access_token(bob)

    async with storage.write() as uow:
        assert await uow.users.delete(alice.id) is True
    async with storage.read() as uow:
        assert await uow.access_tokens.get_with_user(alices.id) is None
        assert await uow.access_tokens.list_for_user(alice.id) == []
        assert await uow.access_tokens.get_with_user(bobs.id) == (bobs, bob)


async def test_get_with_user_reflects_the_users_current_state(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    token = await seed.access_token(alice)
    disabled_at = seed.now()

    async with storage.write() as uow:
        await uow.users.set_disabled(alice.id, disabled_at)
    async with storage.read() as uow:
        found = await uow.access_tokens.get_with_user(token.id)
        user = await uow.users.get(alice.id)

    assert found is not None
    assert user is not None
    assert user.disabled_at == disabled_at
    assert found == (token, user)
