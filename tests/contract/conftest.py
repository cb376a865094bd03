"""Fixtures of the storage contract: every test runs once per SQL engine.

``storage`` is a migrated, empty database: SQLite in a file under ``tmp_path``,
Postgres in the fresh schema of ``postgres_schema``. ``open_storage`` opens more
storages on the same database (for tests about two instances); everything opened
is closed at teardown. ``seed`` writes rows through the storage's own write path.
"""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chatport.adapters.postgres import PostgresStorage
from chatport.adapters.sqlite import SqliteStorage
from chatport.domain.chats import Chat
from chatport.domain.folders import Folder
from chatport.domain.messages import Message, MessageRole
from chatport.domain.providers import Model, NewModel, NewProvider, Provider, ProviderKind
from chatport.domain.tokens import AccessToken, NewAccessToken
from chatport.domain.users import NewUser, Role, Session, User
from chatport.ports.repositories import Storage
from tests.support import ManualClock

AnyStorage = SqliteStorage | PostgresStorage
Opener = Callable[[], Awaitable[AnyStorage]]

ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=ENGINES)
def storage_opener(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """How to open a storage on this test's database (not migrated).

    Sync on purpose: only a sync fixture can pull the async ``postgres_schema`` in
    lazily, so that the SQLite runs need no Postgres at all.
    """
    if request.param == "sqlite":
        return functools.partial(SqliteStorage.open, tmp_path / "data" / "chatport.db")
    url = request.getfixturevalue("postgres_url")
    schema = request.getfixturevalue("postgres_schema")
    return functools.partial(PostgresStorage.open, url, schema=schema, max_size=4)


@pytest.fixture
async def open_storage(storage_opener: Opener) -> AsyncIterator[Opener]:
    opened: list[AnyStorage] = []

    async def open_() -> AnyStorage:
        storage = await storage_opener()
        opened.append(storage)
        return storage

    yield open_
    for storage in reversed(opened):
        await storage.close()


@pytest.fixture
async def empty_storage(open_storage: Opener) -> AnyStorage:
    """An open storage on a database with no tables yet."""
    return await open_storage()


@pytest.fixture
async def storage(empty_storage: AnyStorage) -> AnyStorage:
    await empty_storage.migrate()
    return empty_storage


class Seed:
    """Rows for a test, each written in its own committed transaction.

    Times come from the test's clock, which moves one second per row so that
    creation order is also time order.
    """

    def __init__(self, storage: Storage, clock: ManualClock) -> None:
        self.storage = storage
        self.clock = clock
        self._numbers = itertools.count(1)

    def now(self) -> datetime:
        self.clock.advance(1)
        return self.clock.now()

    async def user(
        self, username: str | None = None, role: Role = Role.MEMBER, email: str | None = None
    ) -> User:
        new = NewUser(
            username=username or f"user{next(self._numbers)}",
            password_hash="argon2id$hash",
            role=role,
            created_at=self.now(),
            email=email,
        )
        async with self.storage.write() as uow:
            return await uow.users.add(new)

    async def chat(self, owner: User, **fields: Any) -> Chat:
        now = self.now()
        values: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "user_id": owner.id,
            "title": "A chat",
            "created_at": now,
            "updated_at": now,
        }
        chat = Chat(**(values | fields))
        async with self.storage.write() as uow:
            await uow.chats.add(chat)
        return chat

    async def folder(self, owner: User, **fields: Any) -> Folder:
        now = self.now()
        values: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "user_id": owner.id,
            "name": "A folder",
            "color": None,
            "position": 0,
            "is_collapsed": False,
            "created_at": now,
            "updated_at": now,
        }
        folder = Folder(**(values | fields))
        async with self.storage.write() as uow:
            await uow.folders.add(folder)
        return folder

    async def message(self, chat: Chat, **fields: Any) -> Message:
        values: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "chat_id": chat.id,
            "role": MessageRole.USER,
            "content": "Hello",
            "created_at": self.now(),
        }
        message = Message(**(values | fields))
        async with self.storage.write() as uow:
            await uow.messages.add(message)
        return message

    async def provider(self, owner: User | None = None, **fields: Any) -> Provider:
        """An enabled OpenAI-compatible provider: admin-wide, or ``owner``'s own."""
        number = next(self._numbers)
        values: dict[str, Any] = {
            "name": f"provider{number}",
            "display_name": f"Provider {number}",
            "kind": ProviderKind.OPENAI_COMPATIBLE,
            "base_url": "http://127.0.0.1:8080/v1",
            "enabled": True,
            "created_at": self.now(),
            "owner_user_id": None if owner is None else owner.id,
        }
        async with self.storage.write() as uow:
            return await uow.providers.add(NewProvider(**(values | fields)))

    async def model(self, provider: Provider, **fields: Any) -> Model:
        """An enabled text model of ``provider``, not the default."""
        values: dict[str, Any] = {
            "provider_id": provider.id,
            "model_id": f"model-{next(self._numbers)}",
            "display_name": "A model",
            "enabled": True,
            "created_at": self.now(),
        }
        async with self.storage.write() as uow:
            return await uow.models.add(NewModel(**(values | fields)))

    async def session(self, owner: User, **fields: Any) -> Session:
        now = self.now()
        values: dict[str, Any] = {
            "token_hash": uuid.uuid4().hex * 2,
            "user_id": owner.id,
            "created_at": now,
            "expires_at": now + timedelta(days=30),
            "last_seen_at": now,
        }
        session = Session(**(values | fields))
        async with self.storage.write() as uow:
            await uow.sessions.add(session)
        return session

    async def access_token(self, owner: User, **fields: Any) -> AccessToken:
        """A v1 token of ``owner`` with every ability and no expiry."""
        values: dict[str, Any] = {
            "user_id": owner.id,
            "name": f"device{next(self._numbers)}",
            "token_hash": uuid.uuid4().hex * 2,
            "created_at": self.now(),
        }
        async with self.storage.write() as uow:
            return await uow.access_tokens.add(NewAccessToken(**(values | fields)))


@pytest.fixture
def seed(storage: AnyStorage, clock: ManualClock) -> Seed:
    return Seed(storage, clock)
