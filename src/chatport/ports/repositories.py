"""Storage ports: one repository per aggregate, grouped by a unit of work.

Every repository method that takes a ``user_id`` scopes its query by it: a row of
another user is reported as absent, never as forbidden. Adapters turn their
driver's errors into ``StorageUnavailable`` (cannot reach the database) or
``AlreadyExists`` (a unique key is taken).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from chatport.domain.audit import AuditEntry
from chatport.domain.chats import Chat, ChatHit
from chatport.domain.folders import Folder
from chatport.domain.messages import Message
from chatport.domain.users import NewUser, Role, Session, User


class UserRepository(Protocol):
    async def add(self, new: NewUser) -> User:
        """Store a user and return it with its id. Usernames are unique, ignoring case."""
        ...

    async def get(self, user_id: int) -> User | None: ...

    async def get_by_username(self, username: str) -> User | None:
        """Look a user up by name, ignoring case."""
        ...

    async def count(self) -> int: ...

    async def lock_creation(self) -> None:
        """Within a write block: make other blocks that call this wait until this one
        ends, so that "is this the first user?" cannot be answered twice at once."""
        ...

    async def list_all(self) -> list[User]:
        """Every user, oldest first."""
        ...

    async def set_role(self, user_id: int, role: Role) -> None: ...

    async def set_disabled(self, user_id: int, disabled_at: datetime | None) -> None: ...

    async def set_password_hash(self, user_id: int, password_hash: str) -> None: ...

    async def delete(self, user_id: int) -> bool:
        """Remove the user and everything they own; False when there was no such user."""
        ...


class SessionRepository(Protocol):
    async def add(self, session: Session) -> None: ...

    async def get_with_user(self, token_hash: str) -> tuple[Session, User] | None:
        """The session and its user in one query (this runs on every request)."""
        ...

    async def touch(self, token_hash: str, seen_at: datetime) -> None: ...

    async def delete(self, token_hash: str) -> None: ...

    async def delete_for_user(self, user_id: int, keep: str | None = None) -> int:
        """End the user's sessions but the one whose hash is ``keep``; return how many."""
        ...

    async def delete_expired(self, now: datetime) -> int: ...


class ChatRepository(Protocol):
    async def add(self, chat: Chat) -> None:
        """Raise ``AlreadyExists`` when the id is taken (by anyone)."""
        ...

    async def get(self, user_id: int, chat_id: str) -> Chat | None:
        """The user's chat, unless it was deleted."""
        ...

    async def list_page(
        self, user_id: int, *, archived: bool, limit: int, offset: int
    ) -> list[Chat]:
        """Live chats, archived or not: pinned first (latest pin first), then the
        most recently updated."""
        ...

    async def list_in_folder(self, user_id: int, folder_id: str) -> list[Chat]:
        """Live, unarchived chats of a folder, in list order."""
        ...

    async def save(self, chat: Chat) -> None:
        """Write every mutable field of an existing chat."""
        ...

    async def search(self, user_id: int, text: str, *, limit: int) -> list[ChatHit]:
        """The user's chats not deleted (archived included) whose title or any
        message contains ``text``, ignoring case (at least for ASCII letters); most
        recently updated first. A hit carries the latest message that matched."""
        ...


class MessageRepository(Protocol):
    async def add(self, message: Message) -> None:
        """Raise ``AlreadyExists`` when the id is taken (by anyone)."""
        ...

    async def get(self, chat_id: str, message_id: str) -> Message | None: ...

    async def list_page(self, chat_id: str, *, limit: int, offset: int) -> list[Message]:
        """Oldest first."""
        ...

    async def delete(self, chat_id: str, message_id: str) -> bool: ...


class FolderRepository(Protocol):
    async def add(self, folder: Folder) -> None: ...

    async def get(self, user_id: int, folder_id: str) -> Folder | None: ...

    async def list_all(self, user_id: int) -> list[Folder]:
        """By position, then by creation."""
        ...

    async def next_position(self, user_id: int) -> int:
        """One past the highest position the user's folders hold (0 for none)."""
        ...

    async def save(self, folder: Folder) -> None: ...

    async def delete(self, user_id: int, folder_id: str) -> bool:
        """Remove the folder; its chats stay, with no folder."""
        ...


class AuditLogRepository(Protocol):
    async def add(self, entry: AuditEntry) -> None: ...

    async def list_page(self, *, limit: int, offset: int) -> list[AuditEntry]:
        """Newest first."""
        ...


class UnitOfWork(Protocol):
    """The repositories of one transaction: committed when the block ends without
    an exception, rolled back otherwise."""

    users: UserRepository
    sessions: SessionRepository
    chats: ChatRepository
    messages: MessageRepository
    folders: FolderRepository
    audit: AuditLogRepository


class Storage(Protocol):
    """The database. ``write()`` for a transaction that writes; ``read()`` for work
    that writes nothing, runs beside other reads and costs no transaction: each of
    its queries sees committed data, but two queries of one read block may see
    different moments."""

    def read(self) -> AbstractAsyncContextManager[UnitOfWork]: ...

    def write(self) -> AbstractAsyncContextManager[UnitOfWork]: ...

    async def ping(self) -> None:
        """Raise ``StorageUnavailable`` unless the database answers."""
        ...

    async def migrate(self) -> list[str]:
        """Apply the migrations not yet applied, in order; return their names."""
        ...

    async def close(self) -> None: ...
