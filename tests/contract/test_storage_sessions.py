"""SessionRepository contract, on every SQL engine."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from chatport.domain.errors import AlreadyExists
from chatport.domain.users import Session

if TYPE_CHECKING:
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import Seed


async def test_get_with_user_returns_the_session_and_its_user(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    session = await seed.session(alice, ip="203.0.113.7", user_agent="Firefox/140")

    async with storage.read() as uow:
        found = await uow.sessions.get_with_user(session.token_hash)

    assert found == (session, alice)


async def test_get_with_user_of_an_unknown_hash_is_none(seed: Seed, storage: Storage) -> None:
    await seed.session(await seed.user("alice"))

    async with storage.read() as uow:
        assert await uow.sessions.get_with_user("0" * 64) is None


async def test_a_taken_token_hash_is_taken(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    session = await seed.session(alice)

    with pytest.raises(AlreadyExists):
        await seed.session(alice, token_hash=session.token_hash)


async def test_touch_moves_last_seen_at_only(seed: Seed, storage: Storage) -> None:
    session = await seed.session(await seed.user("alice"))
    seen_at = session.last_seen_at + timedelta(minutes=7, milliseconds=250)

    async with storage.write() as uow:
        await uow.sessions.touch(session.token_hash, seen_at)
    async with storage.read() as uow:
        found = await uow.sessions.get_with_user(session.token_hash)

    assert found is not None
    assert found[0] == Session(
        token_hash=session.token_hash,
        user_id=session.user_id,
        created_at=session.created_at,
        expires_at=session.expires_at,
        last_seen_at=seen_at,
    )


async def test_delete_ends_one_session(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    ended, kept = await seed.session(alice), await seed.session(alice)

    async with storage.write() as uow:
        await uow.sessions.delete(ended.token_hash)
        await uow.sessions.delete("no such hash")
    async with storage.read() as uow:
        assert await uow.sessions.get_with_user(ended.token_hash) is None
        assert await uow.sessions.get_with_user(kept.token_hash) is not None


async def test_delete_for_user_keeps_the_one_named_and_other_users_sessions(
    seed: Seed, storage: Storage
) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    current = await seed.session(alice)
    others = [await seed.session(alice) for _ in range(3)]
    bobs = await seed.session(bob)

    async with storage.write() as uow:
        ended = await uow.sessions.delete_for_user(alice.id, keep=current.token_hash)

    assert ended == 3
    async with storage.read() as uow:
        assert await uow.sessions.get_with_user(current.token_hash) is not None
        assert await uow.sessions.get_with_user(bobs.token_hash) is not None
        for other in others:
            assert await uow.sessions.get_with_user(other.token_hash) is None


async def test_delete_for_user_without_keep_ends_them_all(seed: Seed, storage: Storage) -> None:
    alice = await seed.user("alice")
    sessions = [await seed.session(alice) for _ in range(2)]

    async with storage.write() as uow:
        assert await uow.sessions.delete_for_user(alice.id) == 2
        assert await uow.sessions.delete_for_user(alice.id) == 0
    async with storage.read() as uow:
        for session in sessions:
            assert await uow.sessions.get_with_user(session.token_hash) is None


async def test_delete_expired_ends_sessions_expiring_at_or_before_now(
    seed: Seed, storage: Storage
) -> None:
    alice = await seed.user("alice")
    now = seed.now()
    gone = await seed.session(alice, expires_at=now - timedelta(days=1))
    expiring_now = await seed.session(alice, expires_at=now)
    alive = await seed.session(alice, expires_at=now + timedelta(milliseconds=1))

    async with storage.write() as uow:
        assert await uow.sessions.delete_expired(now) == 2
    async with storage.read() as uow:
        assert await uow.sessions.get_with_user(gone.token_hash) is None
        assert await uow.sessions.get_with_user(expiring_now.token_hash) is None
        assert await uow.sessions.get_with_user(alive.token_hash) is not None
