"""The storage ports on PostgreSQL, one class per repository, over one asyncpg connection.

Each method runs one parametrised statement (asyncpg prepares and caches it per
connection). An insert learns whether it happened from ``ON CONFLICT DO NOTHING
RETURNING`` instead of a failed statement: a unique violation would abort the
whole transaction, while ``AlreadyExists`` should leave it usable.

Storage forms: times ``timestamptz`` (asyncpg returns aware UTC datetimes),
booleans ``boolean``, tuples and dicts ``jsonb`` (through the codec that
``PostgresStorage`` installs on every connection). The caller owns the transaction
and turns the remaining driver errors into domain ones. Providers and models live
in ``providers``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from chatport.adapters.postgres.files import PostgresFileRepository
from chatport.adapters.postgres.providers import (
    PostgresModelRepository,
    PostgresProviderRepository,
)
from chatport.adapters.postgres.rows import Row, changed_count, user_from_row
from chatport.adapters.postgres.tokens import (
    PostgresAccessTokenRepository,
    PostgresPreferencesRepository,
)
from chatport.adapters.sqltext import contains_pattern
from chatport.domain.audit import AuditAction, AuditEntry
from chatport.domain.chats import Chat, ChatHit, ChatStats
from chatport.domain.errors import AlreadyExists
from chatport.domain.folders import Folder
from chatport.domain.messages import Message, MessageRole, MessageStatus, Usage
from chatport.domain.paging import ChatCursor, MessageCursor
from chatport.domain.users import NewUser, Role, Session, User
from chatport.ports.repositories import (
    AccessTokenRepository,
    AuditLogRepository,
    ChatRepository,
    FileRepository,
    FolderRepository,
    MessageRepository,
    ModelRepository,
    PreferencesRepository,
    ProviderRepository,
    SessionRepository,
    UserRepository,
)

# --- users -----------------------------------------------------------------------

_ADD_USER = """
INSERT INTO users (username, email, name, password_hash, role, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
RETURNING id
"""
_USER_BY_ID = """
SELECT id, username, email, name, password_hash, role, disabled_at, created_at
FROM users WHERE id = $1
"""
# lower(username) is what the unique index holds, so this lookup uses it.
_USER_BY_NAME = """
SELECT id, username, email, name, password_hash, role, disabled_at, created_at
FROM users WHERE lower(username) = lower($1)
"""
_ALL_USERS = """
SELECT id, username, email, name, password_hash, role, disabled_at, created_at
FROM users ORDER BY id
"""


class PostgresUserRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, new: NewUser) -> User:
        user_id = await self._conn.fetchval(
            _ADD_USER,
            new.username,
            new.email,
            new.name,
            new.password_hash,
            new.role.value,
            new.created_at,
        )
        if user_id is None:
            raise AlreadyExists("Username or email already taken")
        return User(
            id=user_id,
            username=new.username,
            email=new.email,
            name=new.name,
            password_hash=new.password_hash,
            role=new.role,
            created_at=new.created_at,
        )

    async def get(self, user_id: int) -> User | None:
        row = await self._conn.fetchrow(_USER_BY_ID, user_id)
        return None if row is None else user_from_row(row)

    async def get_by_username(self, username: str) -> User | None:
        row = await self._conn.fetchrow(_USER_BY_NAME, username)
        return None if row is None else user_from_row(row)

    async def count(self) -> int:
        return int(await self._conn.fetchval("SELECT count(*) FROM users"))

    async def lock_creation(self) -> None:
        # READ COMMITTED lets two transactions both count zero users; this lock,
        # held to the end of the transaction, makes them take turns.
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('chatport:users'))")

    async def list_all(self) -> list[User]:
        return [user_from_row(row) for row in await self._conn.fetch(_ALL_USERS)]

    async def set_role(self, user_id: int, role: Role) -> None:
        await self._conn.execute("UPDATE users SET role = $2 WHERE id = $1", user_id, role.value)

    async def set_disabled(self, user_id: int, disabled_at: datetime | None) -> None:
        await self._conn.execute(
            "UPDATE users SET disabled_at = $2 WHERE id = $1", user_id, disabled_at
        )

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        await self._conn.execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash
        )

    async def delete(self, user_id: int) -> bool:
        # Sessions, folders, chats and their messages go by ON DELETE CASCADE.
        return (
            changed_count(await self._conn.execute("DELETE FROM users WHERE id = $1", user_id)) > 0
        )


# --- sessions --------------------------------------------------------------------

_ADD_SESSION = """
INSERT INTO sessions
    (token_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT DO NOTHING
RETURNING 1
"""
_SESSION_WITH_USER = """
SELECT s.token_hash, s.user_id, s.created_at, s.expires_at, s.last_seen_at, s.ip,
       s.user_agent,
       u.id, u.username, u.email, u.name, u.password_hash, u.role, u.disabled_at,
       u.created_at
FROM sessions AS s JOIN users AS u ON u.id = s.user_id
WHERE s.token_hash = $1
"""
_SESSION_WIDTH = 7


class PostgresSessionRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, session: Session) -> None:
        added = await self._conn.fetchval(
            _ADD_SESSION,
            session.token_hash,
            session.user_id,
            session.created_at,
            session.expires_at,
            session.last_seen_at,
            session.ip,
            session.user_agent,
        )
        if added is None:
            raise AlreadyExists("Session token already taken")

    async def get_with_user(self, token_hash: str) -> tuple[Session, User] | None:
        row = await self._conn.fetchrow(_SESSION_WITH_USER, token_hash)
        if row is None:
            return None
        token, user_id, created_at, expires_at, last_seen_at, ip, user_agent = row[:_SESSION_WIDTH]
        session = Session(
            token_hash=token,
            user_id=user_id,
            created_at=created_at,
            expires_at=expires_at,
            last_seen_at=last_seen_at,
            ip=ip,
            user_agent=user_agent,
        )
        return session, user_from_row(row[_SESSION_WIDTH:])

    async def touch(self, token_hash: str, seen_at: datetime) -> None:
        await self._conn.execute(
            "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1", token_hash, seen_at
        )

    async def delete(self, token_hash: str) -> None:
        await self._conn.execute("DELETE FROM sessions WHERE token_hash = $1", token_hash)

    async def delete_for_user(self, user_id: int, keep: str | None = None) -> int:
        # "IS DISTINCT FROM NULL" holds for every row, so keep=None ends them all.
        status = await self._conn.execute(
            "DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2",
            user_id,
            keep,
        )
        return changed_count(status)

    async def delete_expired(self, now: datetime) -> int:
        # Expired means now >= expires_at, as Session.is_expired says.
        return changed_count(
            await self._conn.execute("DELETE FROM sessions WHERE expires_at <= $1", now)
        )


# --- chats -----------------------------------------------------------------------

_ADD_CHAT = """
INSERT INTO chats
    (id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
     created_at, updated_at, system_prompt, model)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT DO NOTHING
RETURNING 1
"""
_CHAT_BY_ID = """
SELECT id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
       created_at, updated_at, system_prompt, model
FROM chats WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL
"""
# Two list statements rather than one with a flag: only a statement that says
# "archived_at IS NULL" outright matches the partial index chats_live, which yields
# the (common) unarchived list in order, so LIMIT stops early.
_LIVE_CHATS = """
SELECT id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
       created_at, updated_at, system_prompt, model
FROM chats WHERE user_id = $1 AND deleted_at IS NULL AND archived_at IS NULL
ORDER BY pinned_at DESC NULLS LAST, updated_at DESC, id DESC
LIMIT $2 OFFSET $3
"""
_ARCHIVED_CHATS = """
SELECT id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
       created_at, updated_at, system_prompt, model
FROM chats WHERE user_id = $1 AND deleted_at IS NULL AND archived_at IS NOT NULL
ORDER BY pinned_at DESC NULLS LAST, updated_at DESC, id DESC
LIMIT $2 OFFSET $3
"""
# Keyset pages of the same two lists ($1 user, $2 title pattern or NULL, $3 limit,
# $4..$6 the cursor's pinned_at, updated_at and id, all NULL for the first page).
# NULL pinned_at sorts last, so what follows a cursor depends on its group: after a
# pinned chat come the pinned ones below it and then every unpinned one; after an
# unpinned chat only the unpinned ones below it. The row comparison is NULL (not
# true) whenever either pinned_at is NULL, which leaves those cases to the first
# branch. The live list still reads off chats_live in order, so LIMIT stops early.
_LIVE_CHATS_AFTER = r"""
SELECT id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
       created_at, updated_at, system_prompt, model
FROM chats WHERE user_id = $1 AND deleted_at IS NULL AND archived_at IS NULL
  AND ($2::text IS NULL OR title ILIKE $2 ESCAPE '\')
  AND ($6::text IS NULL
       OR (pinned_at IS NULL
           AND ($4::timestamptz IS NOT NULL OR (updated_at, id) < ($5::timestamptz, $6)))
       OR (pinned_at, updated_at, id) < ($4, $5, $6))
ORDER BY pinned_at DESC NULLS LAST, updated_at DESC, id DESC
LIMIT $3
"""
_ARCHIVED_CHATS_AFTER = r"""
SELECT id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
       created_at, updated_at, system_prompt, model
FROM chats WHERE user_id = $1 AND deleted_at IS NULL AND archived_at IS NOT NULL
  AND ($2::text IS NULL OR title ILIKE $2 ESCAPE '\')
  AND ($6::text IS NULL
       OR (pinned_at IS NULL
           AND ($4::timestamptz IS NOT NULL OR (updated_at, id) < ($5::timestamptz, $6)))
       OR (pinned_at, updated_at, id) < ($4, $5, $6))
ORDER BY pinned_at DESC NULLS LAST, updated_at DESC, id DESC
LIMIT $3
"""
_CHATS_IN_FOLDER = """
SELECT id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
       created_at, updated_at, system_prompt, model
FROM chats
WHERE folder_id = $1 AND user_id = $2 AND deleted_at IS NULL AND archived_at IS NULL
ORDER BY pinned_at DESC NULLS LAST, updated_at DESC, id DESC
"""
_SEARCH_CHATS = r"""
SELECT * FROM (
  SELECT c.id, c.user_id, c.folder_id, c.title, c.memory_disabled, c.pinned_at,
         c.archived_at, c.deleted_at, c.created_at, c.updated_at, c.system_prompt,
         c.model,
         (SELECT m.content FROM messages m
          WHERE m.chat_id = c.id AND m.content ILIKE $2 ESCAPE '\'
          ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS matched
  FROM chats c WHERE c.user_id = $1 AND c.deleted_at IS NULL
) hits
WHERE matched IS NOT NULL OR title ILIKE $2 ESCAPE '\'
ORDER BY updated_at DESC, id DESC
LIMIT $3
"""
_SAVE_CHAT = """
UPDATE chats
SET folder_id = $3, title = $4, memory_disabled = $5, pinned_at = $6, archived_at = $7,
    deleted_at = $8, updated_at = $9, system_prompt = $10, model = $11
WHERE id = $1 AND user_id = $2
"""
_TOUCH_CHAT = """
UPDATE chats SET updated_at = $1, title = coalesce(title, $2)
WHERE id = $3 AND user_id = $4 AND deleted_at IS NULL
"""
_CHAT_STATS = """
SELECT chat_id, count(*), max(created_at)
FROM messages WHERE chat_id = ANY($1::text[])
GROUP BY chat_id
"""


def _chat(row: Row) -> Chat:
    (
        chat_id,
        user_id,
        folder_id,
        title,
        memory_disabled,
        pinned_at,
        archived_at,
        deleted_at,
        created_at,
        updated_at,
        system_prompt,
        model,
    ) = row
    return Chat(
        id=chat_id,
        user_id=user_id,
        folder_id=folder_id,
        title=title,
        memory_disabled=memory_disabled,
        pinned_at=pinned_at,
        archived_at=archived_at,
        deleted_at=deleted_at,
        created_at=created_at,
        updated_at=updated_at,
        system_prompt=system_prompt,
        model=model,
    )


class PostgresChatRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, chat: Chat) -> None:
        added = await self._conn.fetchval(
            _ADD_CHAT,
            chat.id,
            chat.user_id,
            chat.folder_id,
            chat.title,
            chat.memory_disabled,
            chat.pinned_at,
            chat.archived_at,
            chat.deleted_at,
            chat.created_at,
            chat.updated_at,
            chat.system_prompt,
            chat.model,
        )
        if added is None:
            raise AlreadyExists("Chat id already taken")

    async def get(self, user_id: int, chat_id: str) -> Chat | None:
        row = await self._conn.fetchrow(_CHAT_BY_ID, chat_id, user_id)
        return None if row is None else _chat(row)

    async def list_page(
        self, user_id: int, *, archived: bool, limit: int, offset: int
    ) -> list[Chat]:
        sql = _ARCHIVED_CHATS if archived else _LIVE_CHATS
        return [_chat(row) for row in await self._conn.fetch(sql, user_id, limit, offset)]

    async def list_after(
        self,
        user_id: int,
        *,
        archived: bool,
        limit: int,
        after: ChatCursor | None,
        title_query: str | None = None,
    ) -> list[Chat]:
        sql = _ARCHIVED_CHATS_AFTER if archived else _LIVE_CHATS_AFTER
        pattern = None if title_query is None else contains_pattern(title_query)
        key = (None, None, None) if after is None else (after.pinned_at, after.updated_at, after.id)
        rows = await self._conn.fetch(sql, user_id, pattern, limit, *key)
        return [_chat(row) for row in rows]

    async def list_in_folder(self, user_id: int, folder_id: str) -> list[Chat]:
        return [_chat(row) for row in await self._conn.fetch(_CHATS_IN_FOLDER, folder_id, user_id)]

    async def search(self, user_id: int, text: str, *, limit: int) -> list[ChatHit]:
        rows = await self._conn.fetch(_SEARCH_CHATS, user_id, contains_pattern(text), limit)
        return [ChatHit(chat=_chat(row[:-1]), matched_text=row[-1]) for row in rows]

    async def save(self, chat: Chat) -> None:
        await self._conn.execute(
            _SAVE_CHAT,
            chat.id,
            chat.user_id,
            chat.folder_id,
            chat.title,
            chat.memory_disabled,
            chat.pinned_at,
            chat.archived_at,
            chat.deleted_at,
            chat.updated_at,
            chat.system_prompt,
            chat.model,
        )

    async def touch(self, user_id: int, chat_id: str, at: datetime, title: str | None) -> bool:
        status = await self._conn.execute(_TOUCH_CHAT, at, title, chat_id, user_id)
        return changed_count(status) > 0

    async def stats(self, chat_ids: Sequence[str]) -> dict[str, ChatStats]:
        if not chat_ids:
            return {}
        rows = await self._conn.fetch(_CHAT_STATS, list(chat_ids))
        return {
            chat_id: ChatStats(message_count=count, last_message_at=last)
            for chat_id, count, last in rows
        }


# --- messages --------------------------------------------------------------------

_ADD_MESSAGE = """
INSERT INTO messages
    (id, chat_id, role, content, model, file_ids, metadata, status, error,
     prompt_tokens, completion_tokens, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT DO NOTHING
RETURNING 1
"""
# Transaction-scoped: released at commit or rollback.
_LOCK_USER_RUNS = "SELECT pg_advisory_xact_lock(hashtextextended('chatport:runs:' || $1, 0))"
_MESSAGE_BY_ID = """
SELECT id, chat_id, role, content, model, file_ids, metadata, status, error,
       prompt_tokens, completion_tokens, created_at, updated_at
FROM messages WHERE id = $1 AND chat_id = $2
"""
_USERS_MESSAGE = """
SELECT m.id, m.chat_id, m.role, m.content, m.model, m.file_ids, m.metadata, m.status,
       m.error, m.prompt_tokens, m.completion_tokens, m.created_at, m.updated_at
FROM messages m JOIN chats c ON c.id = m.chat_id
WHERE m.id = $1 AND c.user_id = $2 AND c.deleted_at IS NULL
"""
_MESSAGES_OF_CHAT = """
SELECT id, chat_id, role, content, model, file_ids, metadata, status, error,
       prompt_tokens, completion_tokens, created_at, updated_at
FROM messages WHERE chat_id = $1
ORDER BY created_at, id
LIMIT $2 OFFSET $3
"""
# $2 and $3: the cursor's created_at and id, both NULL for the first page.
_MESSAGES_AFTER = """
SELECT id, chat_id, role, content, model, file_ids, metadata, status, error,
       prompt_tokens, completion_tokens, created_at, updated_at
FROM messages
WHERE chat_id = $1 AND ($3::text IS NULL OR (created_at, id) > ($2::timestamptz, $3))
ORDER BY created_at, id
LIMIT $4
"""
# As _RECENT_MESSAGES, below the message $2 of the chat (none when it has no $2).
_MESSAGES_BEFORE = """
SELECT * FROM (
  SELECT m.id, m.chat_id, m.role, m.content, m.model, m.file_ids, m.metadata, m.status,
         m.error, m.prompt_tokens, m.completion_tokens, m.created_at, m.updated_at
  FROM messages AS m JOIN messages AS b ON b.id = $2 AND b.chat_id = m.chat_id
  WHERE m.chat_id = $1 AND (m.created_at, m.id) < (b.created_at, b.id)
  ORDER BY m.created_at DESC, m.id DESC
  LIMIT $3
) AS older
ORDER BY created_at, id
"""
# The inner query reads the newest rows backwards off messages_chat_order, so LIMIT
# stops early; the outer one puts the few it keeps back in reading order.
_RECENT_MESSAGES = """
SELECT * FROM (
  SELECT id, chat_id, role, content, model, file_ids, metadata, status, error,
         prompt_tokens, completion_tokens, created_at, updated_at
  FROM messages WHERE chat_id = $1
  ORDER BY created_at DESC, id DESC
  LIMIT $2
) AS newest
ORDER BY created_at, id
"""
# These statements match the partial indexes on status = 'streaming' (the literal
# must be spelled out for the planner to see that).
_STREAMING_IN_CHAT = """
SELECT id, chat_id, role, content, model, file_ids, metadata, status, error,
       prompt_tokens, completion_tokens, created_at, updated_at
FROM messages WHERE chat_id = $1 AND status = 'streaming'
"""
_COUNT_STREAMING = """
SELECT count(*)
FROM messages AS m JOIN chats AS c ON c.id = m.chat_id
WHERE m.status = 'streaming' AND c.user_id = $1
"""
_SAVE_PROGRESS = """
UPDATE messages SET content = $2, updated_at = $3
WHERE id = $1 AND status = 'streaming'
"""
_FINISH_MESSAGE = """
UPDATE messages
SET content = $3, status = $4, model = $5, prompt_tokens = $6, completion_tokens = $7,
    error = $8, updated_at = $9
WHERE id = $1 AND chat_id = $2 AND status = 'streaming'
"""


def _finish_params(message: Message) -> tuple[Any, ...]:
    usage = message.usage
    return (
        message.id,
        message.chat_id,
        message.content,
        message.status.value,
        message.model,
        None if usage is None else usage.prompt_tokens,
        None if usage is None else usage.completion_tokens,
        message.error,
        message.updated_at,
    )


_FAIL_STALE = """
UPDATE messages SET status = 'failed', error = $2, updated_at = $3
WHERE status = 'streaming' AND coalesce(updated_at, created_at) < $1
RETURNING id
"""


def _message(row: Row) -> Message:
    (
        message_id,
        chat_id,
        role,
        content,
        model,
        file_ids,
        metadata,
        status,
        error,
        prompt_tokens,
        completion_tokens,
        created_at,
        updated_at,
    ) = row
    return Message(
        id=message_id,
        chat_id=chat_id,
        role=MessageRole(role),
        content=content,
        model=model,
        # JSON has no tuples: the array comes back as a list.
        file_ids=None if file_ids is None else tuple(file_ids),
        metadata=metadata,
        status=MessageStatus(status),
        error=error,
        usage=(
            None
            if prompt_tokens is None
            else Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        ),
        created_at=created_at,
        updated_at=updated_at,
    )


class PostgresMessageRepository:
    """Messages are reached through their chat; the caller checks who owns the chat."""

    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, message: Message) -> None:
        usage = message.usage
        # Two unique keys: the id, and one "streaming" reply per chat. A second
        # instance adding one at the same moment waits for the first to commit.
        added = await self._conn.fetchval(
            _ADD_MESSAGE,
            message.id,
            message.chat_id,
            message.role.value,
            message.content,
            message.model,
            message.file_ids,
            message.metadata,
            message.status.value,
            message.error,
            None if usage is None else usage.prompt_tokens,
            None if usage is None else usage.completion_tokens,
            message.created_at,
            message.updated_at,
        )
        if added is None:
            raise AlreadyExists("Message id taken, or the chat already has a reply in progress")

    async def get(self, chat_id: str, message_id: str) -> Message | None:
        row = await self._conn.fetchrow(_MESSAGE_BY_ID, message_id, chat_id)
        return None if row is None else _message(row)

    async def find(self, user_id: int, message_id: str) -> Message | None:
        row = await self._conn.fetchrow(_USERS_MESSAGE, message_id, user_id)
        return None if row is None else _message(row)

    async def list_page(self, chat_id: str, *, limit: int, offset: int) -> list[Message]:
        rows = await self._conn.fetch(_MESSAGES_OF_CHAT, chat_id, limit, offset)
        return [_message(row) for row in rows]

    async def list_after(
        self, chat_id: str, *, limit: int, after: MessageCursor | None
    ) -> list[Message]:
        key = (None, None) if after is None else (after.created_at, after.id)
        rows = await self._conn.fetch(_MESSAGES_AFTER, chat_id, *key, limit)
        return [_message(row) for row in rows]

    async def list_before(self, chat_id: str, *, limit: int, before_id: str) -> list[Message]:
        rows = await self._conn.fetch(_MESSAGES_BEFORE, chat_id, before_id, limit)
        return [_message(row) for row in rows]

    async def delete(self, chat_id: str, message_id: str) -> bool:
        status = await self._conn.execute(
            "DELETE FROM messages WHERE id = $1 AND chat_id = $2", message_id, chat_id
        )
        return changed_count(status) > 0

    async def recent(self, chat_id: str, *, limit: int) -> list[Message]:
        return [_message(row) for row in await self._conn.fetch(_RECENT_MESSAGES, chat_id, limit)]

    async def streaming_in_chat(self, chat_id: str) -> Message | None:
        row = await self._conn.fetchrow(_STREAMING_IN_CHAT, chat_id)
        return None if row is None else _message(row)

    async def lock_user_runs(self, user_id: int) -> None:
        await self._conn.execute(_LOCK_USER_RUNS, str(user_id))

    async def count_streaming(self, user_id: int) -> int:
        return int(await self._conn.fetchval(_COUNT_STREAMING, user_id))

    async def finish(self, message: Message) -> bool:
        status = await self._conn.execute(_FINISH_MESSAGE, *_finish_params(message))
        return changed_count(status) > 0

    async def save_progress_many(self, progress: Sequence[tuple[str, str]], at: datetime) -> None:
        await self._conn.executemany(
            _SAVE_PROGRESS, [(message_id, content, at) for message_id, content in progress]
        )

    async def finish_many(self, messages: Sequence[Message]) -> None:
        await self._conn.executemany(_FINISH_MESSAGE, [_finish_params(m) for m in messages])

    async def fail_stale(self, before: datetime, error: str, at: datetime) -> list[str]:
        return [row[0] for row in await self._conn.fetch(_FAIL_STALE, before, error, at)]


# --- folders ---------------------------------------------------------------------

_ADD_FOLDER = """
INSERT INTO folders
    (id, user_id, name, color, position, is_collapsed, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING
RETURNING 1
"""
_FOLDER_BY_ID = """
SELECT id, user_id, name, color, position, is_collapsed, created_at, updated_at
FROM folders WHERE id = $1 AND user_id = $2
"""
_FOLDERS_OF_USER = """
SELECT id, user_id, name, color, position, is_collapsed, created_at, updated_at
FROM folders WHERE user_id = $1
ORDER BY position, created_at, id
"""
_NEXT_POSITION = "SELECT coalesce(max(position) + 1, 0) FROM folders WHERE user_id = $1"
_SAVE_FOLDER = """
UPDATE folders SET name = $3, color = $4, position = $5, is_collapsed = $6, updated_at = $7
WHERE id = $1 AND user_id = $2
"""


def _folder(row: Row) -> Folder:
    folder_id, user_id, name, color, position, is_collapsed, created_at, updated_at = row
    return Folder(
        id=folder_id,
        user_id=user_id,
        name=name,
        color=color,
        position=position,
        is_collapsed=is_collapsed,
        created_at=created_at,
        updated_at=updated_at,
    )


class PostgresFolderRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, folder: Folder) -> None:
        added = await self._conn.fetchval(
            _ADD_FOLDER,
            folder.id,
            folder.user_id,
            folder.name,
            folder.color,
            folder.position,
            folder.is_collapsed,
            folder.created_at,
            folder.updated_at,
        )
        if added is None:
            raise AlreadyExists("Folder id already taken")

    async def get(self, user_id: int, folder_id: str) -> Folder | None:
        row = await self._conn.fetchrow(_FOLDER_BY_ID, folder_id, user_id)
        return None if row is None else _folder(row)

    async def list_all(self, user_id: int) -> list[Folder]:
        return [_folder(row) for row in await self._conn.fetch(_FOLDERS_OF_USER, user_id)]

    async def next_position(self, user_id: int) -> int:
        return int(await self._conn.fetchval(_NEXT_POSITION, user_id))

    async def save(self, folder: Folder) -> None:
        await self._conn.execute(
            _SAVE_FOLDER,
            folder.id,
            folder.user_id,
            folder.name,
            folder.color,
            folder.position,
            folder.is_collapsed,
            folder.updated_at,
        )

    async def delete(self, user_id: int, folder_id: str) -> bool:
        # Its chats stay: chats.folder_id is ON DELETE SET NULL.
        status = await self._conn.execute(
            "DELETE FROM folders WHERE id = $1 AND user_id = $2", folder_id, user_id
        )
        return changed_count(status) > 0


# --- audit log -------------------------------------------------------------------

_ADD_AUDIT = """
INSERT INTO audit_log (user_id, action, target, ip, detail, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
"""
_AUDIT_PAGE = """
SELECT id, user_id, action, target, ip, detail, created_at
FROM audit_log ORDER BY id DESC
LIMIT $1 OFFSET $2
"""


class PostgresAuditLogRepository:
    """The database numbers entries in their order of arrival; ``entry.id`` is ignored."""

    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, entry: AuditEntry) -> None:
        await self._conn.execute(
            _ADD_AUDIT,
            entry.user_id,
            entry.action.value,
            entry.target,
            entry.ip,
            entry.detail,
            entry.created_at,
        )

    async def list_page(self, *, limit: int, offset: int) -> list[AuditEntry]:
        return [
            AuditEntry(
                id=entry_id,
                user_id=user_id,
                action=AuditAction(action),
                target=target,
                ip=ip,
                detail=detail,
                created_at=created_at,
            )
            for entry_id, user_id, action, target, ip, detail, created_at in await self._conn.fetch(
                _AUDIT_PAGE, limit, offset
            )
        ]


class PostgresUnitOfWork:
    """The repositories of one transaction, all on the same connection."""

    __slots__ = (
        "access_tokens",
        "audit",
        "chats",
        "files",
        "folders",
        "messages",
        "models",
        "preferences",
        "providers",
        "sessions",
        "users",
    )

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.users: UserRepository = PostgresUserRepository(conn)
        self.sessions: SessionRepository = PostgresSessionRepository(conn)
        self.chats: ChatRepository = PostgresChatRepository(conn)
        self.messages: MessageRepository = PostgresMessageRepository(conn)
        self.folders: FolderRepository = PostgresFolderRepository(conn)
        self.providers: ProviderRepository = PostgresProviderRepository(conn)
        self.models: ModelRepository = PostgresModelRepository(conn)
        self.access_tokens: AccessTokenRepository = PostgresAccessTokenRepository(conn)
        self.preferences: PreferencesRepository = PostgresPreferencesRepository(conn)
        self.files: FileRepository = PostgresFileRepository(conn)
        self.audit: AuditLogRepository = PostgresAuditLogRepository(conn)
