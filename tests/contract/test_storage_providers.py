"""ProviderRepository contract, on every SQL engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
import pytest

from chatport.domain.errors import AlreadyExists
from chatport.domain.providers import NewProvider, Provider, ProviderKind

if TYPE_CHECKING:
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import Seed


async def test_add_returns_the_provider_with_an_id_and_get_finds_it(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    new = NewProvider(
        name="openai",
        display_name="OpenAI ✨",
        kind=ProviderKind.OPENAI,
        base_url="https://api.openai.com/v1",
        enabled=False,
        created_at=seed.now(),
        api_key_ciphertext="v1.c2VjcmV0",
        owner_user_id=alice.id,
    )

    async with storage.write() as uow:
        added = await uow.providers.add(new)

    assert added.id > 0
    assert added == Provider(
        id=added.id,
        name="openai",
        display_name="OpenAI ✨",
        kind=ProviderKind.OPENAI,
        base_url="https://api.openai.com/v1",
        enabled=False,
        created_at=new.created_at,
        api_key_ciphertext="v1.c2VjcmV0",
        owner_user_id=alice.id,
    )
    async with storage.read() as uow:
        assert await uow.providers.get(added.id) == added


async def test_an_admin_wide_provider_without_key_round_trips(seed: Seed, storage: Storage) -> None:
    provider = await seed.provider(kind=ProviderKind.OLLAMA, base_url="http://10.0.0.5:11434")

    assert (provider.owner_user_id, provider.api_key_ciphertext) == (None, None)
    async with storage.read() as uow:
        assert await uow.providers.get(provider.id) == provider
        assert await uow.providers.get(provider.id + 1000) is None


@pytest.mark.parametrize("kind", list(ProviderKind))
async def test_every_kind_round_trips(seed: Seed, storage: Storage, kind: ProviderKind) -> None:
    provider = await seed.provider(kind=kind)

    async with storage.read() as uow:
        assert await uow.providers.get(provider.id) == provider


async def test_admin_wide_names_are_unique_ignoring_case(seed: Seed, storage: Storage) -> None:
    await seed.provider(name="OpenAI")

    with pytest.raises(AlreadyExists):
        await seed.provider(name="openai")


async def test_a_users_own_names_are_unique_ignoring_case(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    await seed.provider(alice, name="My Key")

    with pytest.raises(AlreadyExists):
        await seed.provider(alice, name="MY KEY")


async def test_a_name_may_repeat_across_owners(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    admin = await seed.provider(name="openai")
    alices = await seed.provider(alice, name="openai")
    bobs = await seed.provider(bob, name="OpenAI")

    assert len({admin.id, alices.id, bobs.id}) == 3


async def test_a_taken_name_leaves_the_transaction_usable(seed: Seed, storage: Storage) -> None:
    taken = await seed.provider(name="openai")
    again = NewProvider(
        name="OPENAI",
        display_name="Again",
        kind=ProviderKind.OPENAI,
        base_url="https://api.openai.com/v1",
        enabled=True,
        created_at=seed.now(),
    )

    async with storage.write() as uow:
        with pytest.raises(AlreadyExists):
            await uow.providers.add(again)
        other = await uow.providers.add(msgspec.structs.replace(again, name="openai-2"))
    async with storage.read() as uow:
        assert await uow.providers.list_all() == [taken, other]


async def test_list_all_holds_the_admin_wide_or_one_users_own_oldest_first(
    seed: Seed, storage: Storage
) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    first = await seed.provider(name="zeta")
    alices = await seed.provider(alice)
    second = await seed.provider(name="alpha", enabled=False)
    bobs = await seed.provider(bob)

    async with storage.read() as uow:
        assert await uow.providers.list_all() == [first, second]
        assert await uow.providers.list_all(None) == [first, second]
        assert await uow.providers.list_all(alice.id) == [alices]
        assert await uow.providers.list_all(bob.id) == [bobs]


async def test_save_writes_display_name_base_url_key_and_enabled_only(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    provider = await seed.provider(name="local", api_key_ciphertext="old")
    changed = msgspec.structs.replace(
        provider,
        display_name="Renamed",
        base_url="https://example.com/v1",
        api_key_ciphertext="new",
        enabled=False,
    )

    async with storage.write() as uow:
        await uow.providers.save(
            msgspec.structs.replace(
                changed, name="other", kind=ProviderKind.OPENAI, owner_user_id=alice.id
            )
        )
    async with storage.read() as uow:
        assert await uow.providers.get(provider.id) == changed

    cleared = msgspec.structs.replace(changed, api_key_ciphertext=None, enabled=True)
    async with storage.write() as uow:
        await uow.providers.save(cleared)
    async with storage.read() as uow:
        assert await uow.providers.get(provider.id) == cleared


async def test_delete_removes_the_provider_and_its_models(seed: Seed, storage: Storage) -> None:
    gone, kept = await seed.provider(), await seed.provider()
    await seed.model(gone)
    kept_model = await seed.model(kept)

    async with storage.write() as uow:
        assert await uow.providers.delete(gone.id) is True
        assert await uow.providers.delete(gone.id) is False
    async with storage.read() as uow:
        assert await uow.providers.get(gone.id) is None
        assert await uow.providers.list_all() == [kept]
        assert await uow.models.list_all() == [kept_model]


async def test_deleting_a_user_removes_their_providers(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    admin = await seed.provider()
    own = await seed.provider(alice)
    await seed.model(own)

    async with storage.write() as uow:
        assert await uow.users.delete(alice.id) is True
    async with storage.read() as uow:
        assert await uow.providers.get(own.id) is None
        assert await uow.providers.list_all() == [admin]
        assert await uow.models.list_all() == []


async def test_model_counts_name_only_providers_with_models(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    two, own = await seed.provider(), await seed.provider(alice)
    await seed.provider()
    await seed.model(two)
    await seed.model(two, enabled=False)
    await seed.model(own)

    async with storage.read() as uow:
        assert await uow.providers.model_counts() == {two.id: 2, own.id: 1}


async def test_an_empty_store_has_no_provider(storage: Storage) -> None:
    async with storage.read() as uow:
        assert await uow.providers.list_all() == []
        assert await uow.providers.model_counts() == {}
