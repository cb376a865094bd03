"""PreferencesRepository contract, on every SQL engine."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from chatport.domain.preferences import Preferences, Theme

if TYPE_CHECKING:
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import Seed


async def test_get_before_any_save_is_none(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")

    async with storage.read() as uow:
        assert await uow.preferences.get(alice.id) is None
        assert await uow.preferences.get(alice.id + 1000) is None


async def test_save_then_get_round_trips_every_field(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    preferences = Preferences(
        user_id=alice.id,
        updated_at=seed.now() + timedelta(milliseconds=375),
        default_model="gpt-4o-mini",
        system_prompt="Answer briefly.\nIn Spanish, ¿vale?",
        theme=Theme.DARK,
        language="es",
        dictation_language="es-CO",
        send_on_enter=False,
    )

    async with storage.write() as uow:
        await uow.preferences.save(preferences)
    async with storage.read() as uow:
        assert await uow.preferences.get(alice.id) == preferences


async def test_defaults_round_trip(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    preferences = Preferences(user_id=alice.id, updated_at=seed.now())

    async with storage.write() as uow:
        await uow.preferences.save(preferences)
    async with storage.read() as uow:
        found = await uow.preferences.get(alice.id)

    assert found == preferences
    assert found is not None
    assert found.default_model is None
    assert found.system_prompt is None
    assert found.language is None
    assert found.theme is Theme.SYSTEM
    assert found.send_on_enter is True


async def test_save_twice_replaces_every_field(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    first = Preferences(
        user_id=alice.id,
        updated_at=seed.now(),
        default_model="llama3",
        system_prompt="Be terse.",
        theme=Theme.LIGHT,
        language="fr",
        dictation_language="fr-FR",
        send_on_enter=False,
    )
    second = Preferences(user_id=alice.id, updated_at=seed.now(), theme=Theme.DARK)

    async with storage.write() as uow:
        await uow.preferences.save(first)
    async with storage.write() as uow:
        await uow.preferences.save(second)
    async with storage.read() as uow:
        assert await uow.preferences.get(alice.id) == second


async def test_each_user_has_their_own(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    alices = Preferences(user_id=alice.id, updated_at=seed.now(), theme=Theme.DARK)
    bobs = Preferences(user_id=bob.id, updated_at=seed.now(), default_model="claude")

    async with storage.write() as uow:
        await uow.preferences.save(alices)
        await uow.preferences.save(bobs)
    async with storage.write() as uow:
        await uow.preferences.save(alices)
    async with storage.read() as uow:
        assert await uow.preferences.get(alice.id) == alices
        assert await uow.preferences.get(bob.id) == bobs


async def test_a_deleted_users_preferences_go_with_them(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")

    async with storage.write() as uow:
        await uow.preferences.save(Preferences(user_id=alice.id, updated_at=seed.now()))
    async with storage.write() as uow:
        assert await uow.users.delete(alice.id) is True
    async with storage.read() as uow:
        assert await uow.preferences.get(alice.id) is None
