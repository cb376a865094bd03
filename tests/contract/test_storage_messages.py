"""MessageRepository contract, on every SQL engine."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from chatport.domain.errors import AlreadyExists
from chatport.domain.messages import Message, MessageRole, MessageStatus, Usage

if TYPE_CHECKING:
    from chatport.domain.chats import Chat
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import Seed


async def _chat(seed: Seed) -> Chat:
    return await seed.chat(await seed.user())


async def test_every_field_round_trips(seed: Seed, storage: Storage) -> None:
    chat = await _chat(seed)
    message = Message(
        id="0190c6a2-7b1e-7cc3-9f41-000000000001",
        chat_id=chat.id,
        role=MessageRole.ASSISTANT,
        content="Olá! Here is the plan:\n- day 1 …",
        created_at=seed.now() + timedelta(milliseconds=123),
        model="gpt-4o-mini",
        file_ids=("f-1", "f-2"),
        metadata={"tool": {"name": "search", "args": [1, 2.5, True, None]}, "é": "ü"},
        status=MessageStatus.FAILED,
        error="Provider timed out",
        usage=Usage(prompt_tokens=1200, completion_tokens=345),
    )

    async with storage.write() as uow:
        await uow.messages.add(message)
    async with storage.read() as uow:
        assert await uow.messages.get(chat.id, message.id) == message
        assert await uow.messages.list_page(chat.id, limit=10, offset=0) == [message]


async def test_a_bare_message_round_trips_with_its_defaults(seed: Seed, storage: Storage) -> None:
    chat = await _chat(seed)
    message = await seed.message(chat, content="")

    async with storage.read() as uow:
        found = await uow.messages.get(chat.id, message.id)

    assert found == message
    assert found is not None
    assert (found.status, found.usage, found.file_ids, found.metadata) == (
        MessageStatus.COMPLETE,
        None,
        None,
        None,
    )


async def test_empty_file_ids_metadata_and_zero_usage_stay_apart_from_none(
    seed: Seed, storage: Storage
) -> None:
    chat = await _chat(seed)
    message = await seed.message(
        chat, file_ids=(), metadata={}, usage=Usage(prompt_tokens=0, completion_tokens=0)
    )

    async with storage.read() as uow:
        assert await uow.messages.get(chat.id, message.id) == message


@pytest.mark.parametrize("status", list(MessageStatus))
async def test_every_status_round_trips(
    seed: Seed, storage: Storage, status: MessageStatus
) -> None:
    chat = await _chat(seed)
    message = await seed.message(chat, status=status)

    async with storage.read() as uow:
        assert await uow.messages.get(chat.id, message.id) == message


async def test_list_page_is_oldest_first_with_limit_and_offset(
    seed: Seed, storage: Storage
) -> None:
    chat = await _chat(seed)
    messages = [await seed.message(chat, content=f"#{n}") for n in range(5)]

    async with storage.read() as uow:
        assert await uow.messages.list_page(chat.id, limit=50, offset=0) == messages
        assert await uow.messages.list_page(chat.id, limit=2, offset=0) == messages[:2]
        assert await uow.messages.list_page(chat.id, limit=2, offset=3) == messages[3:]
        assert await uow.messages.list_page(chat.id, limit=2, offset=5) == []


async def test_list_page_breaks_ties_in_time_by_id(seed: Seed, storage: Storage) -> None:
    chat = await _chat(seed)
    at = seed.now()
    ids = [f"0190c6a2-0000-7000-8000-00000000000{n}" for n in (2, 3, 1)]
    for message_id in ids:
        await seed.message(chat, id=message_id, created_at=at)

    async with storage.read() as uow:
        listed = await uow.messages.list_page(chat.id, limit=10, offset=0)

    assert [message.id for message in listed] == sorted(ids)


async def test_messages_belong_to_their_chat(seed: Seed, storage: Storage) -> None:
    alice = await seed.user()
    chat, other = await seed.chat(alice), await seed.chat(alice)
    message = await seed.message(chat)
    await seed.message(other)

    async with storage.read() as uow:
        assert await uow.messages.get(other.id, message.id) is None
        assert await uow.messages.list_page(chat.id, limit=10, offset=0) == [message]
    async with storage.write() as uow:
        assert await uow.messages.delete(other.id, message.id) is False
    async with storage.read() as uow:
        assert await uow.messages.get(chat.id, message.id) == message


async def test_a_taken_id_is_taken_even_in_another_chat(seed: Seed, storage: Storage) -> None:
    alice = await seed.user()
    chat, other = await seed.chat(alice), await seed.chat(alice)
    message = await seed.message(chat)

    with pytest.raises(AlreadyExists):
        await seed.message(other, id=message.id)


async def test_delete_removes_one_message(seed: Seed, storage: Storage) -> None:
    chat = await _chat(seed)
    gone, kept = await seed.message(chat), await seed.message(chat)

    async with storage.write() as uow:
        assert await uow.messages.delete(chat.id, gone.id) is True
        assert await uow.messages.delete(chat.id, gone.id) is False
    async with storage.read() as uow:
        assert await uow.messages.get(chat.id, gone.id) is None
        assert await uow.messages.list_page(chat.id, limit=10, offset=0) == [kept]
