"""Replies cut off by the server stopping: a graceful stop stores them as
interrupted; replies left streaming by a crash are failed at the next start.
Either way the text that arrived is kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis

from chatport.adapters.redis.streams import RedisStreamBus
from chatport.adapters.security.passwords import Argon2PasswordHasher
from chatport.bootstrap import build_container, open_storage
from chatport.config import Settings
from chatport.domain.generation import RunEvent, RunEventKind
from chatport.domain.messages import Message, MessageRole, MessageStatus
from chatport.domain.users import ClientInfo
from chatport.services.generations import UserTurn
from chatport.services.runs import INTERRUPTED
from tests.support import ManualClock

QUESTION = " ".join(f"word{n}" for n in range(200))


async def _collect(events: AsyncIterator[RunEvent]) -> list[RunEvent]:
    return [event async for event in events]


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path), demo_provider=True, demo_token_delay=0.02)


async def _last_message(settings: Settings, hasher: Argon2PasswordHasher, chat_id: str) -> Message:
    async with build_container(settings, hasher=hasher) as services:
        signed = await services.accounts.login("admin", "password-123", ClientInfo(ip="127.0.0.1"))
        messages = await services.messages.list_messages(signed.user, chat_id, limit=10, offset=0)
    return messages[-1]


async def test_a_graceful_stop_stores_running_replies_as_interrupted(
    tmp_path: Path, cheap_hasher: Argon2PasswordHasher
) -> None:
    settings = _settings(tmp_path)
    async with build_container(settings, hasher=cheap_hasher) as services:
        signed = await services.accounts.register("admin", "password-123", ClientInfo())
        chat = await services.chats.create(signed.user)
        started = await services.generations.complete(
            signed.user, chat.id, "echo", UserTurn(content=QUESTION)
        )
        seen = 0
        async for event in services.generations.events(started.message.id):
            seen += event.text is not None
            if seen == 5:
                break
    # The container is closed: the server has stopped.

    kept = await _last_message(settings, cheap_hasher, chat.id)

    assert kept.id == started.message.id
    assert kept.status is MessageStatus.FAILED
    assert kept.error == INTERRUPTED
    assert kept.content.startswith("You said: word0")
    assert "word199" not in kept.content


async def test_replies_left_streaming_by_a_crash_fail_at_the_next_start(
    tmp_path: Path, cheap_hasher: Argon2PasswordHasher
) -> None:
    settings = _settings(tmp_path)
    async with build_container(settings, hasher=cheap_hasher) as services:
        signed = await services.accounts.register("admin", "password-123", ClientInfo())
        chat = await services.chats.create(signed.user)
    # What a process killed mid-reply leaves behind: a streaming row with some text.
    orphan = Message(
        id="0190c6a2-7b1e-7cc3-9f41-2a5b6c7d8e9f",
        chat_id=chat.id,
        role=MessageRole.ASSISTANT,
        content="Half a rep",
        model="echo",
        status=MessageStatus.STREAMING,
        created_at=chat.created_at,
    )
    storage = await open_storage(settings)
    try:
        async with storage.write() as uow:
            await uow.messages.add(orphan)
    finally:
        await storage.close()

    kept = await _last_message(settings, cheap_hasher, chat.id)

    assert kept.status is MessageStatus.FAILED
    assert kept.error == INTERRUPTED
    assert kept.content == "Half a rep"


@pytest.mark.redis
async def test_with_a_shared_bus_a_dead_instances_reply_is_ended_for_its_readers(
    tmp_path: Path,
    cheap_hasher: Argon2PasswordHasher,
    redis_url: str,
    redis_prefix: str,
) -> None:
    clock = ManualClock()
    settings = Settings(
        data_dir=str(tmp_path), demo_provider=True, redis_url=redis_url, redis_prefix=redis_prefix
    )
    async with build_container(settings, hasher=cheap_hasher, clock=clock) as services:
        signed = await services.accounts.register("admin", "password-123", ClientInfo())
        chat = await services.chats.create(signed.user)
    # Another instance died mid-reply a while ago: its row stopped beating, and its
    # stream on the bus has a start and a delta but no end.
    orphan = Message(
        id="0190c6a2-7b1e-7cc3-9f41-2a5b6c7d8e9f",
        chat_id=chat.id,
        role=MessageRole.ASSISTANT,
        content="Hal",
        status=MessageStatus.STREAMING,
        created_at=clock.now() - timedelta(minutes=5),
    )
    storage = await open_storage(settings)
    try:
        async with storage.write() as uow:
            await uow.messages.add(orphan)
    finally:
        await storage.close()
    redis = Redis.from_url(redis_url)
    bus = RedisStreamBus(redis, prefix=redis_prefix)
    try:
        for event in (
            RunEvent(id=1, kind=RunEventKind.START, message_id=orphan.id),
            RunEvent(id=2, kind=RunEventKind.DELTA, message_id=orphan.id, text="Hal"),
        ):
            await bus.publish(orphan.id, event)

        async with build_container(settings, hasher=cheap_hasher, clock=clock):
            ending = await asyncio.wait_for(_collect(bus.subscribe(orphan.id, after=2)), 5)

        assert [(e.kind, e.error_message) for e in ending] == [(RunEventKind.ERROR, INTERRUPTED)]
        assert (await _last_message(settings, cheap_hasher, chat.id)).status is MessageStatus.FAILED
    finally:
        await bus.aclose()
        await redis.delete(f"{redis_prefix}run:{orphan.id}")
        await redis.aclose()
