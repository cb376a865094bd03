"""Keyset pages of chats and messages (``list_after``, ``list_before``), on every SQL engine.

Cursors go through their wire form (``encode`` then ``decode``) between pages, as
they would between two requests.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import msgspec
import pytest

from chatport.domain.paging import ChatCursor, MessageCursor

if TYPE_CHECKING:
    from chatport.domain.chats import Chat
    from chatport.domain.messages import Message
    from chatport.domain.users import User
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import Seed


def _list_order(chats: list[Chat]) -> list[str]:
    """Chat ids in list order, computed here: pinned first (latest pin first), then
    ``updated_at`` desc, then ``id`` desc."""
    pinned = sorted(
        (c for c in chats if c.pinned_at is not None),
        key=lambda c: (c.pinned_at, c.updated_at, c.id),
        reverse=True,
    )
    unpinned = sorted(
        (c for c in chats if c.pinned_at is None),
        key=lambda c: (c.updated_at, c.id),
        reverse=True,
    )
    return [c.id for c in pinned + unpinned]


async def _chat_page(
    storage: Storage,
    user: User,
    cursor: str | None,
    *,
    limit: int,
    archived: bool = False,
    title_query: str | None = None,
) -> tuple[list[str], str | None]:
    """One page of ids, and the wire cursor after it (None when the page is short)."""
    after = None if cursor is None else ChatCursor.decode(cursor)
    async with storage.read() as uow:
        chats = await uow.chats.list_after(
            user.id, archived=archived, limit=limit, after=after, title_query=title_query
        )
    assert len(chats) <= limit
    following = ChatCursor.after(chats[-1]).encode() if len(chats) == limit else None
    return [chat.id for chat in chats], following


async def _walk_chats(
    storage: Storage,
    user: User,
    *,
    limit: int,
    archived: bool = False,
    title_query: str | None = None,
) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        ids, cursor = await _chat_page(
            storage, user, cursor, limit=limit, archived=archived, title_query=title_query
        )
        seen += ids
        if cursor is None:
            return seen


async def _mixed_chats(seed: Seed, owner: User) -> list[Chat]:
    """Pinned and unpinned chats whose keys tie on every column but the id."""
    same = seed.now()
    pin, later_pin = seed.now(), seed.now()
    chats = [await seed.chat(owner, updated_at=same) for _ in range(4)]
    chats += [await seed.chat(owner, updated_at=same, pinned_at=pin) for _ in range(3)]
    chats += [await seed.chat(owner, updated_at=same - timedelta(hours=1)) for _ in range(2)]
    chats.append(await seed.chat(owner, updated_at=same, pinned_at=later_pin))
    chats.append(await seed.chat(owner, updated_at=same + timedelta(hours=1), pinned_at=pin))
    chats.append(await seed.chat(owner))  # the most recently updated unpinned chat
    return chats


# --- chats -----------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 100])
async def test_every_chat_comes_once_in_list_order(
    seed: Seed, storage: Storage, limit: int
) -> None:
    alice = await seed.user("alice")
    chats = await _mixed_chats(seed, alice)

    walked = await _walk_chats(storage, alice, limit=limit)

    assert walked == _list_order(chats)
    async with storage.read() as uow:
        by_offset = await uow.chats.list_page(alice.id, archived=False, limit=100, offset=0)
    assert walked == [chat.id for chat in by_offset]


async def test_a_page_ends_and_the_next_starts_across_the_pinned_boundary(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    now = seed.now()
    pinned = [await seed.chat(alice, updated_at=now, pinned_at=now) for _ in range(2)]
    unpinned = [await seed.chat(alice, updated_at=now) for _ in range(2)]
    order = _list_order(pinned + unpinned)

    first, cursor = await _chat_page(storage, alice, None, limit=2)
    second, cursor = await _chat_page(storage, alice, cursor, limit=2)
    third, _ = await _chat_page(storage, alice, cursor, limit=2)

    assert first == order[:2]
    assert set(first) == {chat.id for chat in pinned}
    assert second == order[2:]
    assert third == []


async def test_chats_added_between_pages_never_skip_or_repeat_the_others(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    original = await _mixed_chats(seed, alice)
    order = _list_order(original)

    known = {chat.id: chat for chat in original}

    seen, cursor = await _chat_page(storage, alice, None, limit=4)
    while cursor is not None:
        # New chats land everywhere: before the cursor, after it, at its exact
        # sort key but for the id, and among the pinned ones.
        last = known[seen[-1]]
        added = [
            await seed.chat(alice),
            await seed.chat(alice, pinned_at=seed.now()),
            await seed.chat(alice, updated_at=last.updated_at, pinned_at=last.pinned_at),
            await seed.chat(alice, updated_at=last.updated_at - timedelta(days=1)),
        ]
        known |= {chat.id: chat for chat in added}
        ids, cursor = await _chat_page(storage, alice, cursor, limit=4)
        seen += ids

    assert len(seen) == len(set(seen))
    assert [chat_id for chat_id in seen if chat_id in set(order)] == order


async def test_the_cursor_chat_may_be_gone(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    chats = await _mixed_chats(seed, alice)
    order = _list_order(chats)
    _, cursor = await _chat_page(storage, alice, None, limit=3)
    gone = next(chat for chat in chats if chat.id == order[2])

    async with storage.write() as uow:
        await uow.chats.save(_deleted(gone, seed.now()))

    rest, _ = await _chat_page(storage, alice, cursor, limit=100)
    assert rest == order[3:]


def _deleted(chat: Chat, at: datetime) -> Chat:
    return msgspec.structs.replace(chat, deleted_at=at)


async def test_archived_and_live_lists_are_apart_and_deleted_chats_in_neither(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    live = [await seed.chat(alice) for _ in range(3)]
    live.append(await seed.chat(alice, pinned_at=seed.now()))
    archived = [await seed.chat(alice, archived_at=seed.now()) for _ in range(3)]
    archived.append(await seed.chat(alice, archived_at=seed.now(), pinned_at=seed.now()))
    await seed.chat(alice, deleted_at=seed.now())
    await seed.chat(alice, archived_at=seed.now(), deleted_at=seed.now())

    assert await _walk_chats(storage, alice, limit=2) == _list_order(live)
    assert await _walk_chats(storage, alice, limit=2, archived=True) == _list_order(archived)


async def test_title_query_ignores_case_and_takes_wildcards_literally(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    percent = await seed.chat(alice, title="Done 100% of it")
    await seed.chat(alice, title="Done 100 of it")
    snake = await seed.chat(alice, title="snake_case names")
    upper = await seed.chat(alice, title="SNAKE_CASE NAMES", pinned_at=seed.now())
    await seed.chat(alice, title="snakeXcase names")
    backslash = await seed.chat(alice, title=r"C:\temp")
    await seed.chat(alice, title=None)
    await seed.chat(alice, title="snake_case but archived", archived_at=seed.now())

    assert await _walk_chats(storage, alice, limit=1, title_query="100%") == [percent.id]
    assert await _walk_chats(storage, alice, limit=1, title_query="e_c") == [upper.id, snake.id]
    assert await _walk_chats(storage, alice, limit=1, title_query="\\") == [backslash.id]
    assert await _walk_chats(storage, alice, limit=1, title_query="%_%") == []
    assert len(await _walk_chats(storage, alice, limit=2, title_query="")) == 6


async def test_another_users_chats_never_appear(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    same = seed.now()
    mine = [await seed.chat(alice, updated_at=same) for _ in range(3)]
    for _ in range(3):
        await seed.chat(bob, updated_at=same)
        await seed.chat(bob, updated_at=same, pinned_at=same)
        await seed.chat(bob, updated_at=same, archived_at=same)

    assert await _walk_chats(storage, alice, limit=1) == _list_order(mine)
    assert await _walk_chats(storage, alice, limit=1, title_query="chat") == _list_order(mine)
    assert await _walk_chats(storage, alice, limit=1, archived=True) == []


# --- messages --------------------------------------------------------------------


def _reading_order(messages: list[Message]) -> list[str]:
    return [m.id for m in sorted(messages, key=lambda m: (m.created_at, m.id))]


async def _tied_messages(seed: Seed, chat: Chat) -> list[Message]:
    """Messages of which several share a created_at (ties broken by id)."""
    messages = [await seed.message(chat) for _ in range(2)]
    same = seed.now()
    messages += [await seed.message(chat, created_at=same) for _ in range(4)]
    messages += [
        await seed.message(chat, id=f"tie-{n}-{chat.id}", created_at=same) for n in range(2)
    ]
    messages += [await seed.message(chat) for _ in range(2)]
    return messages


async def _walk_messages(storage: Storage, chat: Chat, *, limit: int) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        after = None if cursor is None else MessageCursor.decode(cursor)
        async with storage.read() as uow:
            page = await uow.messages.list_after(chat.id, limit=limit, after=after)
        assert len(page) <= limit
        seen += [message.id for message in page]
        if len(page) < limit:
            return seen
        cursor = MessageCursor.after(page[-1]).encode()


@pytest.mark.parametrize("limit", [1, 3, 100])
async def test_messages_come_once_oldest_first_with_ties_on_created_at(
    seed: Seed, storage: Storage, limit: int
) -> None:
    alice = await seed.user("alice")
    chat, other = await seed.chat(alice), await seed.chat(alice)
    messages = await _tied_messages(seed, chat)
    await _tied_messages(seed, other)

    walked = await _walk_messages(storage, chat, limit=limit)

    assert walked == _reading_order(messages)
    async with storage.read() as uow:
        by_offset = await uow.messages.list_page(chat.id, limit=100, offset=0)
    assert walked == [message.id for message in by_offset]


async def test_messages_after_a_cursor_include_ones_added_since(
    seed: Seed, storage: Storage
) -> None:
    chat = await seed.chat(await seed.user())
    messages = await _tied_messages(seed, chat)
    order = _reading_order(messages)
    last = next(m for m in messages if m.id == order[4])

    newer = await seed.message(chat)
    tied_after = await seed.message(chat, id=last.id + "z", created_at=last.created_at)
    await seed.message(chat, id="-" + last.id, created_at=last.created_at)  # tied, before it
    async with storage.read() as uow:
        page = await uow.messages.list_after(
            chat.id, limit=100, after=MessageCursor.decode(MessageCursor.after(last).encode())
        )

    assert [m.id for m in page] == _reading_order(
        [m for m in messages if m.id in order[5:]] + [newer, tied_after]
    )


async def test_list_before_pages_back_and_returns_oldest_first(
    seed: Seed, storage: Storage
) -> None:
    chat = await seed.chat(await seed.user())
    messages = await _tied_messages(seed, chat)
    order = _reading_order(messages)

    async with storage.read() as uow:
        below_newest = await uow.messages.list_before(chat.id, limit=3, before_id=order[-1])
        below_tie = await uow.messages.list_before(chat.id, limit=3, before_id=order[5])
        below_first = await uow.messages.list_before(chat.id, limit=3, before_id=order[0])
        all_below = await uow.messages.list_before(chat.id, limit=100, before_id=order[-1])

    assert [m.id for m in below_newest] == order[-4:-1]
    assert [m.id for m in below_tie] == order[2:5]
    assert below_first == []
    assert [m.id for m in all_below] == order[:-1]


async def test_list_before_an_unknown_or_foreign_message_is_empty(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    chat, other = await seed.chat(alice), await seed.chat(alice)
    await _tied_messages(seed, chat)
    foreign = await seed.message(other, created_at=seed.now() + timedelta(days=1))

    async with storage.read() as uow:
        unknown = await uow.messages.list_before(chat.id, limit=10, before_id=str(uuid.uuid4()))
        elsewhere = await uow.messages.list_before(chat.id, limit=10, before_id=foreign.id)

    assert unknown == []
    assert elsewhere == []
