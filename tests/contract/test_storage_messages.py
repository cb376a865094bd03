"""MessageRepository contract, on every SQL engine."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import msgspec
import pytest

from chatport.domain.errors import AlreadyExists
from chatport.domain.messages import Message, MessageRole, MessageStatus, Usage

if TYPE_CHECKING:
    from chatport.domain.chats import Chat
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import AnyStorage, Opener, Seed


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
        updated_at=seed.now() + timedelta(milliseconds=7),
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
    assert (found.status, found.usage, found.file_ids, found.metadata, found.updated_at) == (
        MessageStatus.COMPLETE,
        None,
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


async def test_find_is_a_message_of_the_users_live_chats_only(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user(), await seed.user()
    chat, binned = await seed.chat(alice), await seed.chat(alice, deleted_at=seed.now())
    message, in_bin = await seed.message(chat), await seed.message(binned)

    async with storage.read() as uow:
        assert await uow.messages.find(alice.id, message.id) == message
        assert await uow.messages.find(bob.id, message.id) is None
        assert await uow.messages.find(alice.id, in_bin.id) is None
        assert await uow.messages.find(alice.id, "no-such-message") is None


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


async def test_recent_is_the_newest_messages_oldest_first(seed: Seed, storage: Storage) -> None:
    chat, other = await _chat(seed), await _chat(seed)
    messages = [await seed.message(chat, content=f"#{n}") for n in range(5)]
    await seed.message(other)

    async with storage.read() as uow:
        assert await uow.messages.recent(chat.id, limit=3) == messages[2:]
        assert await uow.messages.recent(chat.id, limit=50) == messages
        assert await uow.messages.recent(chat.id, limit=0) == []
        assert await uow.messages.recent("no-such-chat", limit=3) == []


async def test_recent_breaks_ties_in_time_by_id(seed: Seed, storage: Storage) -> None:
    chat = await _chat(seed)
    at = seed.now()
    ids = [f"0190c6a2-0000-7000-8000-00000000000{n}" for n in (2, 3, 1)]
    for message_id in ids:
        await seed.message(chat, id=message_id, created_at=at)

    async with storage.read() as uow:
        recent = await uow.messages.recent(chat.id, limit=2)

    assert [message.id for message in recent] == sorted(ids)[1:]


async def _reply(seed: Seed, chat: Chat, **fields: object) -> Message:
    values: dict[str, object] = {
        "role": MessageRole.ASSISTANT,
        "content": "",
        "status": MessageStatus.STREAMING,
        "model": "gpt-4o",
    }
    return await seed.message(chat, **(values | fields))


async def test_a_chat_has_one_reply_streaming_at_most(seed: Seed, storage: Storage) -> None:
    alice = await seed.user()
    chat, other = await seed.chat(alice), await seed.chat(alice)
    streaming = await _reply(seed, chat)

    with pytest.raises(AlreadyExists):
        await _reply(seed, chat)
    # Other statuses and other chats are free.
    await seed.message(chat)
    await _reply(seed, chat, status=MessageStatus.FAILED)
    await _reply(seed, other)

    async with storage.read() as uow:
        assert await uow.messages.streaming_in_chat(chat.id) == streaming
    async with storage.write() as uow:
        ended = msgspec.structs.replace(streaming, status=MessageStatus.COMPLETE)
        assert await uow.messages.finish(ended) is True
    # The chat's reply has ended: the next one may start.
    await _reply(seed, chat)


async def test_a_second_streaming_reply_leaves_the_transaction_usable(
    seed: Seed, storage: Storage
) -> None:
    chat = await _chat(seed)
    streaming = await _reply(seed, chat)
    second = msgspec.structs.replace(streaming, id=str(uuid.uuid4()), created_at=seed.now())

    async with storage.write() as uow:
        with pytest.raises(AlreadyExists):
            await uow.messages.add(second)
        await uow.messages.add(msgspec.structs.replace(second, status=MessageStatus.FAILED))
    async with storage.read() as uow:
        assert len(await uow.messages.list_page(chat.id, limit=10, offset=0)) == 2


async def test_instances_starting_replies_together_start_one(
    seed: Seed, storage: AnyStorage, open_storage: Opener
) -> None:
    chat = await _chat(seed)
    instances = [storage, await open_storage(), await open_storage()]
    replies = [
        Message(
            id=str(uuid.uuid4()),
            chat_id=chat.id,
            role=MessageRole.ASSISTANT,
            content="",
            created_at=seed.now(),
            status=MessageStatus.STREAMING,
        )
        for _ in instances
    ]

    async def start(instance: AnyStorage, reply: Message) -> None:
        async with instance.write() as uow:
            await uow.messages.add(reply)

    results = await asyncio.gather(
        *(start(instance, reply) for instance, reply in zip(instances, replies, strict=True)),
        return_exceptions=True,
    )

    assert sum(result is None for result in results) == 1
    assert all(isinstance(result, AlreadyExists) for result in results if result is not None)
    async with storage.read() as uow:
        assert await uow.messages.streaming_in_chat(chat.id) in replies


async def test_streaming_in_chat_is_none_without_a_reply_in_progress(
    seed: Seed, storage: Storage
) -> None:
    chat = await _chat(seed)
    await seed.message(chat)
    await _reply(seed, chat, status=MessageStatus.CANCELLED)

    async with storage.read() as uow:
        assert await uow.messages.streaming_in_chat(chat.id) is None


async def test_count_streaming_counts_the_users_chats_only(seed: Seed, storage: Storage) -> None:
    alice, bob = await seed.user(), await seed.user()
    first, second, third = [await seed.chat(alice) for _ in range(3)]
    await _reply(seed, await seed.chat(alice, archived_at=seed.now()))
    await _reply(seed, first)
    await _reply(seed, second)
    await _reply(seed, third, status=MessageStatus.COMPLETE)
    await _reply(seed, await seed.chat(bob))

    async with storage.read() as uow:
        assert await uow.messages.count_streaming(alice.id) == 3
        assert await uow.messages.count_streaming(bob.id) == 1
        assert await uow.messages.count_streaming(bob.id + 1000) == 0


async def test_save_progress_writes_content_and_heartbeat_while_streaming(
    seed: Seed, storage: Storage
) -> None:
    chat = await _chat(seed)
    reply = await _reply(seed, chat)
    at = seed.now()

    async with storage.write() as uow:
        await uow.messages.save_progress_many([(reply.id, "Hel")], at)
    async with storage.read() as uow:
        assert await uow.messages.get(chat.id, reply.id) == msgspec.structs.replace(
            reply, content="Hel", updated_at=at
        )
    async with storage.write() as uow:
        await uow.messages.save_progress_many([("no-such-message", "x")], at)


async def test_save_progress_leaves_an_ended_reply_alone(seed: Seed, storage: Storage) -> None:
    chat = await _chat(seed)
    ended = await _reply(seed, chat, content="Done", status=MessageStatus.CANCELLED)

    async with storage.write() as uow:
        await uow.messages.save_progress_many([(ended.id, "Late")], seed.now())
    async with storage.read() as uow:
        assert await uow.messages.get(chat.id, ended.id) == ended


async def test_finish_writes_the_end_once(seed: Seed, storage: Storage) -> None:
    chat = await _chat(seed)
    reply = await _reply(seed, chat, model=None, metadata={"kept": True})
    finished = msgspec.structs.replace(
        reply,
        content="Hello there",
        status=MessageStatus.COMPLETE,
        model="gpt-4o-2024-08-06",
        usage=Usage(prompt_tokens=12, completion_tokens=3),
        updated_at=seed.now(),
    )

    async with storage.write() as uow:
        assert await uow.messages.finish(finished) is True
    late = msgspec.structs.replace(
        finished, content="Hello", status=MessageStatus.FAILED, error="Late", updated_at=seed.now()
    )
    async with storage.write() as uow:
        assert await uow.messages.finish(late) is False
    async with storage.read() as uow:
        assert await uow.messages.get(chat.id, reply.id) == finished
        assert await uow.messages.streaming_in_chat(chat.id) is None


async def test_finish_records_a_failure_with_its_partial_text(seed: Seed, storage: Storage) -> None:
    chat, other = await _chat(seed), await _chat(seed)
    reply = await _reply(seed, chat, content="Hal")
    failed = msgspec.structs.replace(
        reply, content="Half an ans", status=MessageStatus.FAILED, error="Provider timed out"
    )

    async with storage.write() as uow:
        # A reply is found by its chat too.
        assert await uow.messages.finish(msgspec.structs.replace(failed, chat_id=other.id)) is False
        assert await uow.messages.finish(failed) is True
    async with storage.read() as uow:
        assert await uow.messages.get(chat.id, reply.id) == failed


async def test_fail_stale_ends_replies_by_age_of_their_last_write_keeping_text(
    seed: Seed, storage: Storage
) -> None:
    t = seed.now()
    chats = [await _chat(seed) for _ in range(5)]
    # Never checkpointed, created before the cut: stale.
    never = await _reply(seed, chats[0], content="", created_at=t - timedelta(minutes=5))
    # Created long ago but checkpointed after the cut: alive.
    beating = await _reply(
        seed, chats[1], content="Par", created_at=t - timedelta(minutes=5), updated_at=t
    )
    # Checkpointed before the cut: stale, partial text kept.
    silent = await _reply(
        seed,
        chats[2],
        content="Partial",
        created_at=t - timedelta(minutes=5),
        updated_at=t - timedelta(minutes=2),
    )
    # Exactly at the cut: not older than it.
    at_cut = await _reply(seed, chats[3], created_at=t - timedelta(minutes=1))
    # Old but already ended: left alone.
    ended = await _reply(
        seed, chats[4], status=MessageStatus.COMPLETE, created_at=t - timedelta(minutes=9)
    )
    now = seed.now()

    async with storage.write() as uow:
        stale = await uow.messages.fail_stale(t - timedelta(minutes=1), "Interrupted", now)
        assert sorted(stale) == sorted([never.id, silent.id])
    async with storage.read() as uow:
        found = {m.id: await uow.messages.get(m.chat_id, m.id) for m in (never, beating, silent)}
        assert await uow.messages.get(at_cut.chat_id, at_cut.id) == at_cut
        assert await uow.messages.get(ended.chat_id, ended.id) == ended
        assert await uow.messages.count_streaming(chats[0].user_id) == 0

    def failed(message: Message) -> Message:
        return msgspec.structs.replace(
            message, status=MessageStatus.FAILED, error="Interrupted", updated_at=now
        )

    assert found == {never.id: failed(never), beating.id: beating, silent.id: failed(silent)}
    async with storage.write() as uow:
        assert await uow.messages.fail_stale(t - timedelta(minutes=1), "Interrupted", now) == []


async def test_progress_and_ends_of_many_replies_in_one_call(seed: Seed, storage: Storage) -> None:
    chats = [await _chat(seed) for _ in range(3)]
    live, other, ended = [await _reply(seed, chat) for chat in chats]
    async with storage.write() as uow:
        assert await uow.messages.finish(
            msgspec.structs.replace(ended, status=MessageStatus.COMPLETE, content="done")
        )
    at = seed.now() + timedelta(seconds=3)

    async with storage.write() as uow:
        await uow.messages.save_progress_many(
            [(live.id, "Hel"), (other.id, "Wor"), (ended.id, "late")], at
        )
    async with storage.read() as uow:
        assert (await uow.messages.get(live.chat_id, live.id)).content == "Hel"  # type: ignore[union-attr]
        after_end = await uow.messages.get(ended.chat_id, ended.id)
        assert after_end is not None and after_end.content == "done"  # an ended reply stays
        assert (await uow.messages.get(other.chat_id, other.id)).updated_at == at  # type: ignore[union-attr]

    finals = [
        msgspec.structs.replace(
            live,
            content="Hello",
            status=MessageStatus.COMPLETE,
            updated_at=at,
            usage=Usage(prompt_tokens=3, completion_tokens=2),
        ),
        msgspec.structs.replace(
            other, content="Wor", status=MessageStatus.FAILED, error="cut", updated_at=at
        ),
        msgspec.structs.replace(ended, content="overwritten?", updated_at=at),
    ]
    async with storage.write() as uow:
        await uow.messages.finish_many(finals)
    async with storage.read() as uow:
        stored = [await uow.messages.get(m.chat_id, m.id) for m in finals]
        assert await uow.messages.count_streaming(chats[0].user_id) == 0
    assert stored[:2] == finals[:2]
    assert stored[2] is not None and stored[2].content == "done"


async def test_lock_user_runs_keeps_a_second_writer_of_that_user_waiting(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user()
    order: list[str] = []
    holding = asyncio.Event()

    async def first() -> None:
        async with storage.write() as uow:
            await uow.messages.lock_user_runs(alice.id)
            holding.set()
            await asyncio.sleep(0.2)
            order.append("first done")

    async def second() -> None:
        await holding.wait()
        async with storage.write() as uow:
            await uow.messages.lock_user_runs(alice.id)
            order.append("second locked")

    await asyncio.gather(first(), second())

    assert order == ["first done", "second locked"]
