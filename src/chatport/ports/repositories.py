"""Storage ports: one repository per aggregate, grouped by a unit of work.

Every repository method that takes a ``user_id`` scopes its query by it: a row of
another user is reported as absent, never as forbidden. Adapters turn their
driver's errors into ``StorageUnavailable`` (cannot reach the database) or
``AlreadyExists`` (a unique key is taken).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from chatport.domain.audit import AuditEntry
from chatport.domain.chats import Chat, ChatHit, ChatStats
from chatport.domain.file_records import StoredFile
from chatport.domain.folders import Folder
from chatport.domain.messages import Message
from chatport.domain.paging import ChatCursor, MessageCursor
from chatport.domain.preferences import Preferences
from chatport.domain.providers import Model, ModelChoice, ModelType, NewModel, NewProvider, Provider
from chatport.domain.tokens import AccessToken, NewAccessToken
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

    async def list_after(
        self,
        user_id: int,
        *,
        archived: bool,
        limit: int,
        after: ChatCursor | None,
        title_query: str | None = None,
    ) -> list[Chat]:
        """A keyset page of the user's live chats, archived or not, in the order of
        ``list_page``: pinned first (latest pin first), then by ``updated_at``
        desc, then by ``id`` desc.

        At most ``limit`` chats that come strictly after ``after`` in that order
        (from the start when None). The cursor's row need not exist any more, and
        chats added or removed between two pages never make another chat be
        skipped or repeated (a chat whose sort key changed may move, as it should).
        ``title_query``: only chats whose title contains it, ignoring case (at
        least for ASCII letters), ``%`` and ``_`` taken literally.
        """
        ...

    async def list_in_folder(self, user_id: int, folder_id: str) -> list[Chat]:
        """Live, unarchived chats of a folder, in list order."""
        ...

    async def save(self, chat: Chat) -> None:
        """Write every mutable field of an existing chat."""
        ...

    async def touch(self, user_id: int, chat_id: str, at: datetime, title: str | None) -> bool:
        """A new turn in the user's (live) chat: ``updated_at`` becomes ``at``, and
        ``title`` becomes its title if it has none. False when there is no such chat.
        One statement, so a rename made meanwhile is never overwritten."""
        ...

    async def search(self, user_id: int, text: str, *, limit: int) -> list[ChatHit]:
        """The user's chats not deleted (archived included) whose title or any
        message contains ``text``, ignoring case (at least for ASCII letters); most
        recently updated first. A hit carries the latest message that matched."""
        ...

    async def stats(self, chat_ids: Sequence[str]) -> dict[str, ChatStats]:
        """Message count and latest message time of each chat in ``chat_ids`` (a page
        of the caller's own chats), in one query. A chat with no messages is absent
        (callers default to 0 and None); no ownership check, as the ids come from
        the caller's page. Empty input: ``{}`` without a query."""
        ...


class MessageRepository(Protocol):
    async def add(self, message: Message) -> None:
        """Raise ``AlreadyExists`` when the id is taken (by anyone)."""
        ...

    async def get(self, chat_id: str, message_id: str) -> Message | None: ...

    async def find(self, user_id: int, message_id: str) -> Message | None:
        """The message ``message_id`` if it is in one of the user's chats (not deleted)."""
        ...

    async def list_page(self, chat_id: str, *, limit: int, offset: int) -> list[Message]:
        """Oldest first."""
        ...

    async def list_after(
        self, chat_id: str, *, limit: int, after: MessageCursor | None
    ) -> list[Message]:
        """A keyset page of the chat's messages, oldest first (by ``created_at``,
        then ``id``): at most ``limit`` of those strictly after ``after`` (from the
        first message when None). The cursor's message need not exist any more."""
        ...

    async def list_before(self, chat_id: str, *, limit: int, before_id: str) -> list[Message]:
        """Paging back: the ``limit`` messages of the chat just older than its
        message ``before_id`` (by ``created_at``, then ``id``), returned oldest
        first. Empty when the chat has no message ``before_id``."""
        ...

    async def delete(self, chat_id: str, message_id: str) -> bool: ...

    async def recent(self, chat_id: str, *, limit: int) -> list[Message]:
        """The chat's newest ``limit`` messages, oldest first (a prompt's history)."""
        ...

    async def streaming_in_chat(self, chat_id: str) -> Message | None:
        """The chat's reply being generated, if any. At most one exists: adding a
        second ``streaming`` message to a chat raises ``AlreadyExists``."""
        ...

    async def count_streaming(self, user_id: int) -> int:
        """Replies being generated in all of the user's chats."""
        ...

    async def lock_user_runs(self, user_id: int) -> None:
        """Until this transaction ends, no other transaction that takes this lock for
        the user goes on (so a count of their running replies stays true until the
        new one is added). Needs ``write()``."""
        ...

    async def finish(self, message: Message) -> bool:
        """Write a streaming reply's end: content, status, model, usage, error and
        ``updated_at`` of ``message``. False (and nothing written) when it is no
        longer streaming, so a late writer never overwrites an ended reply."""
        ...

    async def save_progress_many(self, progress: Sequence[tuple[str, str]], at: datetime) -> None:
        """Checkpoint streaming replies, ``(message_id, content)`` each, in one round
        trip (every run a process owns): the partial content, and ``updated_at`` as
        a heartbeat. Replies no longer streaming are left as they are."""
        ...

    async def finish_many(self, messages: Sequence[Message]) -> None:
        """``finish`` for many replies at once, in one round trip."""
        ...

    async def fail_stale(self, before: datetime, error: str, at: datetime) -> list[str]:
        """Mark replies still ``streaming`` whose last write (``updated_at``, else
        ``created_at``) is older than ``before`` as failed with ``error``, keeping
        their text; return their ids."""
        ...


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


class ProviderRepository(Protocol):
    async def add(self, new: NewProvider) -> Provider:
        """Store a provider and return it with its id. Names are unique (ignoring
        case) among the admin-wide providers, and among each user's own."""
        ...

    async def get(self, provider_id: int) -> Provider | None: ...

    async def list_all(self, owner_user_id: int | None = None) -> list[Provider]:
        """The admin-wide providers (``None``) or the user's own, oldest first."""
        ...

    async def save(self, provider: Provider) -> None:
        """Write display name, base URL, key ciphertext and enabled."""
        ...

    async def delete(self, provider_id: int) -> bool:
        """Remove the provider and its models."""
        ...

    async def model_counts(self) -> dict[int, int]:
        """How many models each provider has (providers with none are absent)."""
        ...


class ModelRepository(Protocol):
    async def add(self, new: NewModel) -> Model:
        """Raise ``AlreadyExists`` when the provider already has that ``model_id``."""
        ...

    async def get(self, model_pk: int) -> Model | None: ...

    async def list_all(self, provider_id: int | None = None) -> list[Model]:
        """Every model (or the provider's), by provider then ``model_id``."""
        ...

    async def list_enabled(self, model_type: ModelType | None = None) -> list[ModelChoice]:
        """Enabled models of enabled admin-wide providers, with their provider: the
        default first, then by provider and ``model_id``."""
        ...

    async def find_enabled(self, model_id: str) -> list[ModelChoice]:
        """The enabled models of enabled admin-wide providers with that ``model_id``."""
        ...

    async def save(self, model: Model) -> None:
        """Write display name, enabled, context window and capabilities (not the
        default flag: ``set_default`` owns it)."""
        ...

    async def set_default(self, model_pk: int) -> None:
        """Make this model the default of its type; no other of that type stays one."""
        ...

    async def set_enabled_for_provider(self, provider_id: int, enabled: bool) -> int:
        """Turn all of a provider's models on or off; return how many."""
        ...

    async def delete(self, model_pk: int) -> bool: ...


class AccessTokenRepository(Protocol):
    async def add(self, new: NewAccessToken) -> AccessToken:
        """Store a token and return it with its id."""
        ...

    async def get_with_user(self, token_id: int) -> tuple[AccessToken, User] | None:
        """The token and its user in one query (this runs on every v1 request)."""
        ...

    async def list_for_user(self, user_id: int) -> list[AccessToken]:
        """The user's tokens, newest first."""
        ...

    async def touch(self, token_id: int, used_at: datetime) -> None: ...

    async def delete(self, user_id: int, token_id: int) -> bool:
        """Revoke one of the user's tokens; False when the user has no such token."""
        ...

    async def delete_for_user(self, user_id: int) -> int:
        """Revoke every token of the user; return how many."""
        ...


class PreferencesRepository(Protocol):
    async def get(self, user_id: int) -> Preferences | None:
        """None when the user never saved any."""
        ...

    async def save(self, preferences: Preferences) -> None:
        """Insert or replace the user's preferences."""
        ...


class AuditLogRepository(Protocol):
    async def add(self, entry: AuditEntry) -> None: ...

    async def list_page(self, *, limit: int, offset: int) -> list[AuditEntry]:
        """Newest first."""
        ...


class FileRepository(Protocol):
    async def add(self, file: StoredFile) -> None:
        """Raise ``AlreadyExists`` when the id is taken."""
        ...

    async def get(self, user_id: int, file_id: str) -> StoredFile | None: ...

    async def list_for_user(self, user_id: int) -> list[StoredFile]:
        """The user's files, newest first."""
        ...

    async def get_many(self, user_id: int, file_ids: Sequence[str]) -> list[StoredFile]:
        """Those of ``file_ids`` that are the user's, in no particular order."""
        ...

    async def delete(self, user_id: int, file_id: str) -> bool: ...

    async def count_blob_refs(self, storage_key: str) -> int:
        """How many files refer to the blob."""
        ...

    async def stored_bytes(self, user_id: int) -> int:
        """The bytes the user's files take, each blob counted once."""
        ...

    async def lock_blob(self, storage_key: str) -> None:
        """Until this transaction ends, no other transaction adds or deletes a file of
        this blob (so a blob is never deleted while a new file comes to refer to it).
        Needs ``write()``."""
        ...


class UnitOfWork(Protocol):
    """The repositories of one transaction: committed when the block ends without
    an exception, rolled back otherwise."""

    users: UserRepository
    sessions: SessionRepository
    chats: ChatRepository
    messages: MessageRepository
    folders: FolderRepository
    providers: ProviderRepository
    models: ModelRepository
    access_tokens: AccessTokenRepository
    preferences: PreferencesRepository
    files: FileRepository
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
