"""ModelRepository contract, on every SQL engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
import pytest

from chatport.domain.errors import AlreadyExists
from chatport.domain.providers import Model, ModelChoice, ModelType, NewModel

if TYPE_CHECKING:
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import Seed


async def test_add_returns_the_model_with_an_id_and_get_finds_it(
    seed: Seed, storage: Storage
) -> None:
    provider = await seed.provider()
    new = NewModel(
        provider_id=provider.id,
        model_id="llama3.1:8b-instruct",
        display_name="Llama 3.1 8B ✓",
        enabled=False,
        created_at=seed.now(),
        is_default=True,
        model_type=ModelType.IMAGE,
        context_window=131_072,
        supports_vision=True,
        supports_tools=True,
    )

    async with storage.write() as uow:
        added = await uow.models.add(new)

    assert added.id > 0
    assert added == Model(
        id=added.id,
        provider_id=provider.id,
        model_id="llama3.1:8b-instruct",
        display_name="Llama 3.1 8B ✓",
        enabled=False,
        is_default=True,
        created_at=new.created_at,
        model_type=ModelType.IMAGE,
        context_window=131_072,
        supports_vision=True,
        supports_tools=True,
    )
    async with storage.read() as uow:
        assert await uow.models.get(added.id) == added


async def test_a_bare_model_round_trips_with_its_defaults(seed: Seed, storage: Storage) -> None:
    model = await seed.model(await seed.provider())

    assert (model.is_default, model.model_type, model.context_window) == (
        False,
        ModelType.TEXT,
        None,
    )
    assert (model.supports_vision, model.supports_tools) == (False, False)
    async with storage.read() as uow:
        assert await uow.models.get(model.id) == model
        assert await uow.models.get(model.id + 1000) is None


async def test_a_provider_lists_a_model_id_once(seed: Seed, storage: Storage) -> None:
    provider, other = await seed.provider(), await seed.provider()
    await seed.model(provider, model_id="gpt-4o")
    elsewhere = await seed.model(other, model_id="gpt-4o")

    with pytest.raises(AlreadyExists):
        await seed.model(provider, model_id="gpt-4o")
    # Model ids are not case-folded: providers tell them apart.
    upper = await seed.model(provider, model_id="GPT-4o")

    assert len({elsewhere.id, upper.id}) == 2


async def test_a_taken_model_id_leaves_the_transaction_usable(seed: Seed, storage: Storage) -> None:
    provider = await seed.provider()
    taken = await seed.model(provider, model_id="a")
    again = NewModel(
        provider_id=provider.id, model_id="a", display_name="A", enabled=True, created_at=seed.now()
    )

    async with storage.write() as uow:
        with pytest.raises(AlreadyExists):
            await uow.models.add(again)
        other = await uow.models.add(msgspec.structs.replace(again, model_id="b"))
    async with storage.read() as uow:
        assert await uow.models.list_all() == [taken, other]


async def test_a_type_has_one_default_at_most(seed: Seed, storage: Storage) -> None:
    provider = await seed.provider()
    await seed.model(provider, is_default=True)
    image = await seed.model(provider, is_default=True, model_type=ModelType.IMAGE)

    with pytest.raises(AlreadyExists):
        await seed.model(provider, is_default=True)
    assert image.is_default


async def test_list_all_is_by_provider_then_model_id_byte_by_byte(
    seed: Seed, storage: Storage
) -> None:
    first, second = await seed.provider(name="zeta"), await seed.provider(name="alpha")
    # Locale collations would sort these otherwise (ignoring case and punctuation).
    ids = ["llama3:8b", "gpt-4o-mini", "GPT-5", "llama3.1", "gpt-4o", "_local", "Ω-model"]
    by_id = {model_id: await seed.model(second, model_id=model_id) for model_id in ids}
    first_model = await seed.model(first, model_id="z")

    async with storage.read() as uow:
        everything = await uow.models.list_all()
        of_second = await uow.models.list_all(second.id)
        of_first = await uow.models.list_all(first.id)

    in_order = [by_id[model_id] for model_id in sorted(ids)]
    assert everything == [first_model, *in_order]
    assert of_second == in_order
    assert of_first == [first_model]


def _picked(choices: list[ModelChoice]) -> list[tuple[int, int]]:
    return [(choice.provider.id, choice.model.id) for choice in choices]


async def test_list_enabled_holds_enabled_models_of_enabled_admin_wide_providers(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    second, first = await seed.provider(name="second"), await seed.provider(name="first")
    off = await seed.provider(name="off", enabled=False)
    own = await seed.provider(alice, name="mine")
    b = await seed.model(second, model_id="b")
    a = await seed.model(second, model_id="a")
    await seed.model(second, model_id="disabled", enabled=False)
    c = await seed.model(first, model_id="c")
    await seed.model(off, model_id="x")
    await seed.model(own, model_id="y")

    async with storage.read() as uow:
        choices = await uow.models.list_enabled()

    assert _picked(choices) == [(second.id, a.id), (second.id, b.id), (first.id, c.id)]
    assert choices[0] == ModelChoice(model=a, provider=second)


async def test_list_enabled_puts_the_default_first_and_filters_by_type(
    seed: Seed, storage: Storage
) -> None:
    provider, other = await seed.provider(), await seed.provider()
    a = await seed.model(provider, model_id="a")
    image = await seed.model(provider, model_id="dall-e", model_type=ModelType.IMAGE)
    default_image = await seed.model(
        other, model_id="flux", model_type=ModelType.IMAGE, is_default=True
    )
    default = await seed.model(other, model_id="z", is_default=True)

    async with storage.read() as uow:
        every = await uow.models.list_enabled()
        text = await uow.models.list_enabled(ModelType.TEXT)
        images = await uow.models.list_enabled(ModelType.IMAGE)

    assert [choice.model for choice in text] == [default, a]
    assert [choice.model for choice in images] == [default_image, image]
    assert [choice.model for choice in every] == [default_image, default, a, image]


async def test_find_enabled_matches_the_model_id_exactly_across_providers(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    first, second = await seed.provider(), await seed.provider()
    off = await seed.provider(enabled=False)
    own = await seed.provider(alice)
    in_first = await seed.model(first, model_id="llama3:8b")
    in_second = await seed.model(second, model_id="llama3:8b")
    await seed.model(second, model_id="LLAMA3:8B")
    await seed.model(second, model_id="llama3:8b-q4")
    await seed.model(off, model_id="llama3:8b")
    await seed.model(own, model_id="llama3:8b")
    await seed.model(await seed.provider(), model_id="llama3:8b", enabled=False)

    async with storage.read() as uow:
        found = await uow.models.find_enabled("llama3:8b")
        assert await uow.models.find_enabled("llama3") == []

    assert found == [
        ModelChoice(model=in_first, provider=first),
        ModelChoice(model=in_second, provider=second),
    ]


async def test_save_writes_everything_but_the_default_flag_and_the_keys(
    seed: Seed, storage: Storage
) -> None:
    provider, other = await seed.provider(), await seed.provider()
    model = await seed.model(provider, model_id="m")
    changed = msgspec.structs.replace(
        model,
        display_name="Renamed",
        enabled=False,
        context_window=8192,
        supports_vision=True,
        supports_tools=True,
    )

    async with storage.write() as uow:
        await uow.models.save(
            msgspec.structs.replace(
                changed,
                is_default=True,
                provider_id=other.id,
                model_id="other",
                model_type=ModelType.IMAGE,
            )
        )
    async with storage.read() as uow:
        assert await uow.models.get(model.id) == changed

    cleared = msgspec.structs.replace(changed, context_window=None, supports_tools=False)
    async with storage.write() as uow:
        await uow.models.save(cleared)
    async with storage.read() as uow:
        assert await uow.models.get(model.id) == cleared


async def test_set_default_moves_the_default_of_that_type_only(
    seed: Seed, storage: Storage
) -> None:
    provider = await seed.provider()
    old = await seed.model(provider, model_id="old", is_default=True)
    new = await seed.model(provider, model_id="new")
    image = await seed.model(provider, model_id="image", model_type=ModelType.IMAGE)
    image_default = await seed.model(
        provider, model_id="image-default", model_type=ModelType.IMAGE, is_default=True
    )

    async with storage.write() as uow:
        await uow.models.set_default(new.id)
        # Again, and in the same block: still one default.
        await uow.models.set_default(new.id)
    async with storage.read() as uow:
        defaults = [model.id for model in await uow.models.list_all() if model.is_default]
        assert await uow.models.get(old.id) == msgspec.structs.replace(old, is_default=False)
        assert await uow.models.get(image.id) == image

    assert sorted(defaults) == sorted([new.id, image_default.id])


async def test_set_default_without_a_previous_default_and_of_a_missing_model(
    seed: Seed, storage: Storage
) -> None:
    provider = await seed.provider()
    model = await seed.model(provider)

    async with storage.write() as uow:
        await uow.models.set_default(model.id + 1000)
        await uow.models.set_default(model.id)
    async with storage.read() as uow:
        assert await uow.models.get(model.id) == msgspec.structs.replace(model, is_default=True)


async def test_set_enabled_for_provider_switches_all_its_models(
    seed: Seed, storage: Storage
) -> None:
    provider, other = await seed.provider(), await seed.provider()
    on = await seed.model(provider)
    off = await seed.model(provider, enabled=False)
    untouched = await seed.model(other)

    async with storage.write() as uow:
        assert await uow.models.set_enabled_for_provider(provider.id, False) == 2
    async with storage.read() as uow:
        assert [model.enabled for model in await uow.models.list_all(provider.id)] == [
            False,
            False,
        ]
        assert await uow.models.get(untouched.id) == untouched
    async with storage.write() as uow:
        assert await uow.models.set_enabled_for_provider(provider.id, True) == 2
        assert await uow.models.set_enabled_for_provider(provider.id + 1000, True) == 0
    async with storage.read() as uow:
        assert await uow.models.get(on.id) == on
        assert await uow.models.get(off.id) == msgspec.structs.replace(off, enabled=True)


async def test_delete_removes_one_model(seed: Seed, storage: Storage) -> None:
    provider = await seed.provider()
    gone, kept = await seed.model(provider), await seed.model(provider)

    async with storage.write() as uow:
        assert await uow.models.delete(gone.id) is True
        assert await uow.models.delete(gone.id) is False
    async with storage.read() as uow:
        assert await uow.models.get(gone.id) is None
        assert await uow.models.list_all() == [kept]
