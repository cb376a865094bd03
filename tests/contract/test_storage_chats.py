"""ChatRepository contract, on every SQL engine."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import msgspec
import pytest

from chatport.domain.chats import Chat, ChatHit, ChatStats
from chatport.domain.errors import AlreadyExists

if TYPE_CHECKING:
    from chatport.domain.users import User
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import Seed


async def _page(
    storage: Storage, user: User, *, archived: bool = False, limit: int = 50, offset: int = 0
) -> list[str]:
    async with storage.read() as uow:
        chats = await uow.chats.list_page(user.id, archived=archived, limit=limit, offset=offset)
    return [chat.id for chat in chats]


async def test_add_then_get_round_trips_every_field(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    folder = await seed.folder(alice)
    now = seed.now()
    chat = Chat(
        id="0190c6a2-7b1e-7cc3-9f41-2a5b6c7d8e9f",
        user_id=alice.id,
        title="Trip to Lisbon ✈",
        folder_id=folder.id,
        memory_disabled=True,
        pinned_at=now + timedelta(milliseconds=1),
        archived_at=None,
        created_at=now,
        updated_at=now + timedelta(seconds=2, milliseconds=5),
        system_prompt="You are a terse travel agent.\nAnswer in Portuguese. 🇵🇹",
    )

    async with storage.write() as uow:
        await uow.chats.add(chat)
    async with storage.read() as uow:
        assert await uow.chats.get(alice.id, chat.id) == chat


async def test_a_chat_with_no_title_and_no_folder_round_trips(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    chat = await seed.chat(alice, title=None)

    assert chat.system_prompt is None
    async with storage.read() as uow:
        assert await uow.chats.get(alice.id, chat.id) == chat


async def test_a_taken_id_is_taken_even_by_another_user(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    chat = await seed.chat(alice)

    with pytest.raises(AlreadyExists):
        await seed.chat(bob, id=chat.id)


async def test_another_users_chat_is_invisible(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    chat = await seed.chat(alice)

    async with storage.read() as uow:
        assert await uow.chats.get(bob.id, chat.id) is None
        assert await uow.chats.list_page(bob.id, archived=False, limit=50, offset=0) == []


async def test_a_deleted_chat_is_gone_from_get_and_every_list(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    folder = await seed.folder(alice)
    kept = await seed.chat(alice, folder_id=folder.id)
    deleted = await seed.chat(alice, folder_id=folder.id, deleted_at=seed.now())
    deleted_archived = await seed.chat(alice, archived_at=seed.now(), deleted_at=seed.now())

    async with storage.read() as uow:
        assert await uow.chats.get(alice.id, deleted.id) is None
        assert await uow.chats.get(alice.id, deleted_archived.id) is None
        assert await uow.chats.list_in_folder(alice.id, folder.id) == [kept]
    assert await _page(storage, alice) == [kept.id]
    assert await _page(storage, alice, archived=True) == []


async def test_list_page_puts_pinned_first_latest_pin_first_then_latest_update(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    t = seed.now()
    old = await seed.chat(alice, updated_at=t + timedelta(seconds=1))
    new = await seed.chat(alice, updated_at=t + timedelta(seconds=5))
    pinned_early = await seed.chat(
        alice, pinned_at=t + timedelta(seconds=2), updated_at=t + timedelta(seconds=9)
    )
    pinned_late = await seed.chat(
        alice, pinned_at=t + timedelta(seconds=3), updated_at=t + timedelta(seconds=1)
    )
    middle = await seed.chat(alice, updated_at=t + timedelta(seconds=3))

    assert await _page(storage, alice) == [
        pinned_late.id,
        pinned_early.id,
        new.id,
        middle.id,
        old.id,
    ]


async def test_list_page_breaks_ties_by_id_descending(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    t = seed.now()
    ids = [f"0190c6a2-0000-7000-8000-00000000000{n}" for n in (3, 1, 2)]
    for chat_id in ids:
        await seed.chat(alice, id=chat_id, updated_at=t)

    assert await _page(storage, alice) == sorted(ids, reverse=True)


async def test_list_page_filters_on_archived(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    live = await seed.chat(alice)
    archived_old = await seed.chat(alice, archived_at=seed.now())
    archived_pinned = await seed.chat(alice, archived_at=seed.now(), pinned_at=seed.now())
    archived_new = await seed.chat(alice, archived_at=seed.now())

    assert await _page(storage, alice) == [live.id]
    assert await _page(storage, alice, archived=True) == [
        archived_pinned.id,
        archived_new.id,
        archived_old.id,
    ]


async def test_list_page_honours_limit_and_offset(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    chats = [await seed.chat(alice) for _ in range(5)]
    newest_first = [chat.id for chat in reversed(chats)]

    assert await _page(storage, alice, limit=2, offset=0) == newest_first[:2]
    assert await _page(storage, alice, limit=2, offset=2) == newest_first[2:4]
    assert await _page(storage, alice, limit=2, offset=4) == newest_first[4:]
    assert await _page(storage, alice, limit=2, offset=6) == []


async def test_list_in_folder_holds_the_live_unarchived_chats_of_that_folder_in_list_order(
    seed: Seed, storage: Storage
) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    work, home = await seed.folder(alice, name="Work"), await seed.folder(alice, name="Home")
    older = await seed.chat(alice, folder_id=work.id)
    newer = await seed.chat(alice, folder_id=work.id)
    pinned = await seed.chat(alice, folder_id=work.id, pinned_at=seed.now())
    await seed.chat(alice, folder_id=work.id, archived_at=seed.now())
    await seed.chat(alice, folder_id=home.id)
    await seed.chat(alice)

    async with storage.read() as uow:
        assert await uow.chats.list_in_folder(alice.id, work.id) == [pinned, newer, older]
        assert await uow.chats.list_in_folder(bob.id, work.id) == []
        assert await uow.chats.list_in_folder(alice.id, "no-such-folder") == []


async def test_save_writes_every_mutable_field(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    folder = await seed.folder(alice)
    chat = await seed.chat(alice)
    changed = msgspec.structs.replace(
        chat,
        title="Renamed",
        folder_id=folder.id,
        memory_disabled=True,
        pinned_at=seed.now(),
        archived_at=seed.now(),
        updated_at=seed.now(),
        system_prompt="Be brief.",
    )

    async with storage.write() as uow:
        await uow.chats.save(changed)
    async with storage.read() as uow:
        assert await uow.chats.get(alice.id, chat.id) == changed

    cleared = msgspec.structs.replace(
        changed,
        title=None,
        folder_id=None,
        memory_disabled=False,
        pinned_at=None,
        archived_at=None,
        system_prompt=None,
    )
    async with storage.write() as uow:
        await uow.chats.save(cleared)
    async with storage.read() as uow:
        assert await uow.chats.get(alice.id, chat.id) == cleared


async def test_save_with_deleted_at_deletes_the_chat(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    chat = await seed.chat(alice)

    async with storage.write() as uow:
        await uow.chats.save(msgspec.structs.replace(chat, deleted_at=seed.now()))
    async with storage.read() as uow:
        assert await uow.chats.get(alice.id, chat.id) is None


async def test_save_changes_nothing_for_another_user(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    chat = await seed.chat(alice)

    async with storage.write() as uow:
        await uow.chats.save(msgspec.structs.replace(chat, user_id=bob.id, title="Stolen"))
    async with storage.read() as uow:
        assert await uow.chats.get(alice.id, chat.id) == chat


async def _search(storage: Storage, user: User, text: str, limit: int = 20) -> list[ChatHit]:
    async with storage.read() as uow:
        return await uow.chats.search(user.id, text, limit=limit)


async def test_search_finds_titles_and_message_text_ignoring_case(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    by_title = await seed.chat(alice, title="Lisbon itinerary")
    by_message = await seed.chat(alice, title="Holiday", updated_at=seed.now() + timedelta(1))
    await seed.message(by_message, content="first day in LISBON: trams", created_at=seed.now())
    latest = await seed.message(
        by_message, content="Lisbon again", created_at=seed.now() + timedelta(seconds=1)
    )
    await seed.chat(alice, title="Porto")

    hits = await _search(storage, alice, "lisbon")

    assert [hit.chat.id for hit in hits] == [by_message.id, by_title.id]
    assert hits[0].matched_text == latest.content
    assert hits[1].matched_text is None


async def test_search_is_scoped_to_the_owner_and_skips_deleted_chats(
    seed: Seed, storage: Storage
) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    await seed.chat(bob, title="secret plans")
    await seed.chat(alice, title="old plans", deleted_at=seed.now())
    archived = await seed.chat(alice, title="archived plans", archived_at=seed.now())

    assert [hit.chat.id for hit in await _search(storage, alice, "plans")] == [archived.id]


async def test_search_takes_wildcards_literally_and_honours_the_limit(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    exact = await seed.chat(alice, title="100% done_now")
    await seed.chat(alice, title="1000 done now")
    for n in range(3):
        await seed.chat(alice, title=f"note {n}")

    assert [h.chat.id for h in await _search(storage, alice, "0% done_")] == [exact.id]
    assert [h.chat.id for h in await _search(storage, alice, "\\")] == []
    assert len(await _search(storage, alice, "note", limit=2)) == 2


async def test_lists_and_search_carry_the_system_prompt(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    folder = await seed.folder(alice)
    chat = await seed.chat(alice, folder_id=folder.id, title="Prompted", system_prompt="")
    archived = await seed.chat(alice, archived_at=seed.now(), system_prompt="Archived prompt")

    async with storage.read() as uow:
        assert await uow.chats.list_page(alice.id, archived=False, limit=5, offset=0) == [chat]
        assert await uow.chats.list_page(alice.id, archived=True, limit=5, offset=0) == [archived]
        assert await uow.chats.list_in_folder(alice.id, folder.id) == [chat]
        assert await uow.chats.search(alice.id, "prompted", limit=5) == [ChatHit(chat=chat)]


async def test_the_model_round_trips_through_add_and_save(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    chat = await seed.chat(alice, model="llama3.1:8b-instruct")
    plain = await seed.chat(alice)

    assert plain.model is None
    async with storage.read() as uow:
        assert await uow.chats.get(alice.id, chat.id) == chat
        assert await uow.chats.get(alice.id, plain.id) == plain

    changed = msgspec.structs.replace(chat, model="gpt-4o-mini", updated_at=seed.now())
    async with storage.write() as uow:
        await uow.chats.save(changed)
    async with storage.read() as uow:
        assert await uow.chats.get(alice.id, chat.id) == changed

    cleared = msgspec.structs.replace(changed, model=None)
    async with storage.write() as uow:
        await uow.chats.save(cleared)
    async with storage.read() as uow:
        assert await uow.chats.get(alice.id, chat.id) == cleared


async def test_lists_and_search_carry_the_model(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    folder = await seed.folder(alice)
    chat = await seed.chat(alice, folder_id=folder.id, title="Modelled", model="mistral")
    archived = await seed.chat(alice, archived_at=seed.now(), model="qwen2.5")

    async with storage.read() as uow:
        assert await uow.chats.list_page(alice.id, archived=False, limit=5, offset=0) == [chat]
        assert await uow.chats.list_page(alice.id, archived=True, limit=5, offset=0) == [archived]
        assert await uow.chats.list_after(alice.id, archived=False, limit=5, after=None) == [chat]
        assert await uow.chats.list_after(
            alice.id, archived=True, limit=5, after=None, title_query="chat"
        ) == [archived]
        assert await uow.chats.list_in_folder(alice.id, folder.id) == [chat]
        assert await uow.chats.search(alice.id, "modelled", limit=5) == [ChatHit(chat=chat)]


async def test_stats_count_each_chats_messages_and_give_the_latest_time(
    seed: Seed, storage: Storage
) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    busy, quiet, empty = await seed.chat(alice), await seed.chat(alice), await seed.chat(alice)
    others = await seed.chat(bob)
    untouched = await seed.chat(alice)
    for _ in range(3):
        await seed.message(busy)
    only = await seed.message(quiet)
    # Created out of order: the latest time is the greatest, not the last added.
    latest = seed.now() + timedelta(hours=1)
    await seed.message(busy, created_at=latest)
    await seed.message(busy)
    await seed.message(others)
    last_of_others = await seed.message(others)
    await seed.message(untouched)

    async with storage.read() as uow:
        stats = await uow.chats.stats([busy.id, quiet.id, empty.id, others.id, "no-such-chat"])

    assert stats == {
        busy.id: ChatStats(message_count=5, last_message_at=latest),
        quiet.id: ChatStats(message_count=1, last_message_at=only.created_at),
        others.id: ChatStats(message_count=2, last_message_at=last_of_others.created_at),
    }


async def test_stats_of_no_chats_is_empty(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    await seed.message(await seed.chat(alice))

    async with storage.read() as uow:
        assert await uow.chats.stats([]) == {}


async def test_touch_moves_updated_at_and_titles_only_an_untitled_chat(
    seed: Seed, storage: Storage
) -> None:
    alice, bob = await seed.user(), await seed.user()
    untitled = await seed.chat(alice, title=None)
    titled = await seed.chat(alice, title="Mine")
    gone = await seed.chat(alice, deleted_at=seed.now())
    later = seed.now() + timedelta(minutes=5)

    async with storage.write() as uow:
        assert await uow.chats.touch(alice.id, untitled.id, later, "From the message")
        assert await uow.chats.touch(alice.id, titled.id, later, "From the message")
        assert not await uow.chats.touch(bob.id, titled.id, later, None)
        assert not await uow.chats.touch(alice.id, gone.id, later, None)
        assert not await uow.chats.touch(alice.id, "no-such-chat", later, None)
    async with storage.read() as uow:
        first = await uow.chats.get(alice.id, untitled.id)
        second = await uow.chats.get(alice.id, titled.id)
    assert first is not None and second is not None
    assert (first.title, first.updated_at) == ("From the message", later)
    assert (second.title, second.updated_at) == ("Mine", later)
