"""Units of work: commit, rollback, snapshots, concurrency and time, on every SQL engine."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest

from chatport.domain.audit import AuditAction, AuditEntry
from chatport.domain.chats import Chat
from chatport.domain.errors import AlreadyExists
from chatport.domain.messages import Message, MessageRole
from chatport.domain.users import NewUser, Role

if TYPE_CHECKING:
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import Seed
    from tests.support import ManualClock


class Boom(Exception):
    pass


def _new_user(name: str, clock: ManualClock) -> NewUser:
    return NewUser(username=name, password_hash="h", role=Role.MEMBER, created_at=clock.now())


def _new_chat(user_id: int, clock: ManualClock) -> Chat:
    now = clock.now()
    return Chat(id=str(uuid.uuid4()), user_id=user_id, title=None, created_at=now, updated_at=now)


def _new_message(chat_id: str, clock: ManualClock) -> Message:
    return Message(
        id=str(uuid.uuid4()),
        chat_id=chat_id,
        role=MessageRole.USER,
        content="hi",
        created_at=clock.now(),
    )


async def test_an_exception_in_write_rolls_everything_back(
    seed: Seed, storage: Storage, clock: ManualClock
) -> None:
    alice = await seed.user("alice")
    chat = await seed.chat(alice)

    async def write_then_fail() -> None:
        async with storage.write() as uow:
            await uow.users.add(_new_user("bob", clock))
            await uow.users.set_role(alice.id, Role.ADMIN)
            await uow.chats.add(_new_chat(alice.id, clock))
            await uow.messages.add(_new_message(chat.id, clock))
            await uow.audit.add(AuditEntry(action=AuditAction.LOGIN, created_at=clock.now()))
            raise Boom

    with pytest.raises(Boom):
        await write_then_fail()

    async with storage.read() as uow:
        assert await uow.users.list_all() == [alice]
        assert await uow.chats.list_page(alice.id, archived=False, limit=10, offset=0) == [chat]
        assert await uow.messages.list_page(chat.id, limit=10, offset=0) == []
        assert await uow.audit.list_page(limit=10, offset=0) == []


async def test_a_cancelled_write_rolls_back_and_the_storage_goes_on(
    storage: Storage, clock: ManualClock
) -> None:
    inside = asyncio.Event()

    async def stuck_write() -> None:
        async with storage.write() as uow:
            await uow.users.add(_new_user("alice", clock))
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck_write())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    async with storage.write() as uow:
        await uow.users.add(_new_user("bob", clock))
    async with storage.read() as uow:
        assert [user.username for user in await uow.users.list_all()] == ["bob"]


async def test_already_exists_leaves_the_transaction_usable(
    seed: Seed, storage: Storage, clock: ManualClock
) -> None:
    await seed.user("alice")

    async with storage.write() as uow:
        with pytest.raises(AlreadyExists):
            await uow.users.add(_new_user("Alice", clock))
        await uow.users.add(_new_user("bob", clock))

    async with storage.read() as uow:
        assert [user.username for user in await uow.users.list_all()] == ["alice", "bob"]


async def test_a_read_sees_what_was_committed(storage: Storage, clock: ManualClock) -> None:
    async with storage.write() as uow:
        alice = await uow.users.add(_new_user("alice", clock))

    async with storage.read() as uow:
        assert await uow.users.get(alice.id) == alice


async def test_a_write_sees_its_own_changes_before_commit(
    storage: Storage, clock: ManualClock
) -> None:
    async with storage.write() as uow:
        alice = await uow.users.add(_new_user("alice", clock))
        assert await uow.users.get_by_username("ALICE") == alice
        assert await uow.users.count() == 1


async def test_concurrent_writes_all_commit(storage: Storage, clock: ManualClock) -> None:
    async def add(name: str) -> None:
        async with storage.write() as uow:
            await uow.users.add(_new_user(name, clock))
            await asyncio.sleep(0)
            await uow.audit.add(AuditEntry(action=AuditAction.USER_CREATED, created_at=clock.now()))

    await asyncio.gather(*(add(f"user{n}") for n in range(12)))

    async with storage.read() as uow:
        assert await uow.users.count() == 12
        assert len(await uow.audit.list_page(limit=50, offset=0)) == 12


async def test_concurrent_reads_run_beside_a_write(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")

    async def read() -> int:
        async with storage.read() as uow:
            await asyncio.sleep(0)
            return await uow.users.count()

    async with storage.write():
        counts = await asyncio.gather(*(read() for _ in range(8)))

    assert counts == [1] * 8
    async with storage.read() as uow:
        assert await uow.users.get(alice.id) == alice


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 4, 5, 6, 7, 891_000, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC),
        datetime(1960, 1, 1, 0, 0, 0, 1_000, tzinfo=UTC),
    ],
    ids=["2026", "1999", "before-1970"],
)
async def test_datetimes_round_trip_exactly_in_utc(storage: Storage, moment: datetime) -> None:
    async with storage.write() as uow:
        user = await uow.users.add(
            NewUser(username="alice", password_hash="h", role=Role.MEMBER, created_at=moment)
        )
        await uow.users.set_disabled(user.id, moment + timedelta(milliseconds=1))

    async with storage.read() as uow:
        found = await uow.users.get(user.id)

    assert found is not None
    assert found.created_at == moment
    assert found.disabled_at == moment + timedelta(milliseconds=1)
    assert found.created_at.utcoffset() == timedelta(0)


async def test_an_aware_time_in_another_zone_comes_back_as_the_same_instant_in_utc(
    storage: Storage,
) -> None:
    paris_summer = datetime(2026, 7, 1, 12, 0, 0, 500_000, tzinfo=timezone(timedelta(hours=2)))

    async with storage.write() as uow:
        user = await uow.users.add(
            NewUser(username="alice", password_hash="h", role=Role.MEMBER, created_at=paris_summer)
        )
    async with storage.read() as uow:
        found = await uow.users.get(user.id)

    assert found is not None
    assert found.created_at == paris_summer
    assert found.created_at.utcoffset() == timedelta(0)
    assert found.created_at.hour == 10
