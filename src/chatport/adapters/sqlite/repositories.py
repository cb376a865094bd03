"""The storage ports on SQLite, one class per repository, over one aiosqlite connection.

Each method runs one statement: every statement is a hop to the connection's
thread, so rows that belong together come in one JOIN, and an insert learns
whether it happened from ``ON CONFLICT DO NOTHING RETURNING`` instead of a failed
statement (which keeps the transaction usable after ``AlreadyExists``, as on
Postgres).

Storage forms are in ``rows``; providers and models live in ``providers``. The
caller (``SqliteStorage``) owns the transaction and turns the remaining driver
errors into domain ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite
import msgspec

from chatport.adapters.sqlite.files import SqliteFileRepository
from chatport.adapters.sqlite.providers import SqliteModelRepository, SqliteProviderRepository
from chatport.adapters.sqlite.rows import (
    Row,
    dt_or_none,
    from_ms,
    json_text,
    ms_or_none,
    select_all,
    select_one,
    to_ms,
    user_from_row,
    write_count,
)
from chatport.adapters.sqlite.tokens import SqliteAccessTokenRepository, SqlitePreferencesRepository
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

_file_ids = msgspec.json.Decoder(tuple[str, ...])
_metadata = msgspec.json.Decoder(dict[str, Any])


# --- users -----------------------------------------------------------------------

_ADD_USER = """
INSERT INTO users (username, email, name, password_hash, role, created_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
RETURNING id
"""
_USER_BY_ID = """
SELECT id, username, email, name, password_hash, role, disabled_at, created_at
FROM users WHERE id = ?
"""
# The username column is COLLATE NOCASE: this compares, and uses its index, without case.
_USER_BY_NAME = """
SELECT id, username, email, name, password_hash, role, disabled_at, created_at
FROM users WHERE username = ?
"""
_ALL_USERS = """
SELECT id, username, email, name, password_hash, role, disabled_at, created_at
FROM users ORDER BY id
"""


class SqliteUserRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, new: NewUser) -> User:
        params = (
            new.username,
            new.email,
            new.name,
            new.password_hash,
            new.role.value,
            to_ms(new.created_at),
        )
        row = await select_one(self._conn, _ADD_USER, params)
        if row is None:
            raise AlreadyExists("Username or email already taken")
        return User(
            id=row[0],
            username=new.username,
            email=new.email,
            name=new.name,
            password_hash=new.password_hash,
            role=new.role,
            created_at=new.created_at,
        )

    async def get(self, user_id: int) -> User | None:
        row = await select_one(self._conn, _USER_BY_ID, (user_id,))
        return None if row is None else user_from_row(row)

    async def get_by_username(self, username: str) -> User | None:
        row = await select_one(self._conn, _USER_BY_NAME, (username,))
        return None if row is None else user_from_row(row)

    async def count(self) -> int:
        row = await select_one(self._conn, "SELECT count(*) FROM users", ())
        return 0 if row is None else int(row[0])

    async def lock_creation(self) -> None:
        """Nothing to do: SQLite write blocks already run one at a time."""

    async def list_all(self) -> list[User]:
        return [user_from_row(row) for row in await select_all(self._conn, _ALL_USERS, ())]

    async def set_role(self, user_id: int, role: Role) -> None:
        await write_count(
            self._conn, "UPDATE users SET role = ? WHERE id = ?", (role.value, user_id)
        )

    async def set_disabled(self, user_id: int, disabled_at: datetime | None) -> None:
        await write_count(
            self._conn,
            "UPDATE users SET disabled_at = ? WHERE id = ?",
            (ms_or_none(disabled_at), user_id),
        )

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        await write_count(
            self._conn, "UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id)
        )

    async def delete(self, user_id: int) -> bool:
        # Sessions, folders, chats and their messages go by ON DELETE CASCADE.
        return await write_count(self._conn, "DELETE FROM users WHERE id = ?", (user_id,)) > 0


# --- sessions --------------------------------------------------------------------

_ADD_SESSION = """
INSERT INTO sessions
    (token_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
RETURNING 1
"""
_SESSION_WITH_USER = """
SELECT s.token_hash, s.user_id, s.created_at, s.expires_at, s.last_seen_at, s.ip,
       s.user_agent,
       u.id, u.username, u.email, u.name, u.password_hash, u.role, u.disabled_at,
       u.created_at
FROM sessions AS s JOIN users AS u ON u.id = s.user_id
WHERE s.token_hash = ?
"""
_SESSION_WIDTH = 7


class SqliteSessionRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, session: Session) -> None:
        params = (
            session.token_hash,
            session.user_id,
            to_ms(session.created_at),
            to_ms(session.expires_at),
            to_ms(session.last_seen_at),
            session.ip,
            session.user_agent,
        )
        if await select_one(self._conn, _ADD_SESSION, params) is None:
            raise AlreadyExists("Session token already taken")

    async def get_with_user(self, token_hash: str) -> tuple[Session, User] | None:
        row = await select_one(self._conn, _SESSION_WITH_USER, (token_hash,))
        if row is None:
            return None
        token, user_id, created_at, expires_at, last_seen_at, ip, user_agent = row[:_SESSION_WIDTH]
        session = Session(
            token_hash=token,
            user_id=user_id,
            created_at=from_ms(created_at),
            expires_at=from_ms(expires_at),
            last_seen_at=from_ms(last_seen_at),
            ip=ip,
            user_agent=user_agent,
        )
        return session, user_from_row(row[_SESSION_WIDTH:])

    async def touch(self, token_hash: str, seen_at: datetime) -> None:
        await write_count(
            self._conn,
            "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
            (to_ms(seen_at), token_hash),
        )

    async def delete(self, token_hash: str) -> None:
        await write_count(self._conn, "DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    async def delete_for_user(self, user_id: int, keep: str | None = None) -> int:
        # "IS NOT NULL" holds for every row, so keep=None ends them all.
        return await write_count(
            self._conn,
            "DELETE FROM sessions WHERE user_id = ? AND token_hash IS NOT ?",
            (user_id, keep),
        )

    async def delete_expired(self, now: datetime) -> int:
        # Expired means now >= expires_at, as Session.is_expired says.
        return await write_count(
            self._conn, "DELETE FROM sessions WHERE expires_at <= ?", (to_ms(now),)
        )


# --- chats -----------------------------------------------------------------------

_ADD_CHAT = """
INSERT INTO chats
    (id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
     created_at, updated_at, system_prompt, model)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
RETURNING 1
"""
_CHAT_BY_ID = """
SELECT id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
       created_at, updated_at, system_prompt, model
FROM chats WHERE id = ? AND user_id = ? AND deleted_at IS NULL
"""
# Two list statements rather than one with a flag: only a statement that says
# "archived_at IS NULL" outright matches the partial index chats_live, which yields
# the (common) unarchived list in order, so LIMIT stops early.
_LIVE_CHATS = """
SELECT id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
       created_at, updated_at, system_prompt, model
FROM chats WHERE user_id = ? AND deleted_at IS NULL AND archived_at IS NULL
ORDER BY pinned_at DESC NULLS LAST, updated_at DESC, id DESC
LIMIT ? OFFSET ?
"""
_ARCHIVED_CHATS = """
SELECT id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
       created_at, updated_at, system_prompt, model
FROM chats WHERE user_id = ? AND deleted_at IS NULL AND archived_at IS NOT NULL
ORDER BY pinned_at DESC NULLS LAST, updated_at DESC, id DESC
LIMIT ? OFFSET ?
"""
# Keyset pages of the same two lists (?1 user, ?2 title pattern or NULL, ?3 limit,
# ?4..?6 the cursor's pinned_at, updated_at and id, all NULL for the first page).
# NULL pinned_at sorts last, so what follows a cursor depends on its group: after a
# pinned chat come the pinned ones below it and then every unpinned one; after an
# unpinned chat only the unpinned ones below it. The row comparison is NULL (not
# true) whenever either pinned_at is NULL, which leaves those cases to the first
# branch. The live list still reads off chats_live in order, so LIMIT stops early.
_LIVE_CHATS_AFTER = r"""
SELECT id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
       created_at, updated_at, system_prompt, model
FROM chats WHERE user_id = ?1 AND deleted_at IS NULL AND archived_at IS NULL
  AND (?2 IS NULL OR title LIKE ?2 ESCAPE '\')
  AND (?6 IS NULL
       OR (pinned_at IS NULL AND (?4 IS NOT NULL OR (updated_at, id) < (?5, ?6)))
       OR (pinned_at, updated_at, id) < (?4, ?5, ?6))
ORDER BY pinned_at DESC NULLS LAST, updated_at DESC, id DESC
LIMIT ?3
"""
_ARCHIVED_CHATS_AFTER = r"""
SELECT id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
       created_at, updated_at, system_prompt, model
FROM chats WHERE user_id = ?1 AND deleted_at IS NULL AND archived_at IS NOT NULL
  AND (?2 IS NULL OR title LIKE ?2 ESCAPE '\')
  AND (?6 IS NULL
       OR (pinned_at IS NULL AND (?4 IS NOT NULL OR (updated_at, id) < (?5, ?6)))
       OR (pinned_at, updated_at, id) < (?4, ?5, ?6))
ORDER BY pinned_at DESC NULLS LAST, updated_at DESC, id DESC
LIMIT ?3
"""
_CHATS_IN_FOLDER = """
SELECT id, user_id, folder_id, title, memory_disabled, pinned_at, archived_at, deleted_at,
       created_at, updated_at, system_prompt, model
FROM chats
WHERE folder_id = ? AND user_id = ? AND deleted_at IS NULL AND archived_at IS NULL
ORDER BY pinned_at DESC NULLS LAST, updated_at DESC, id DESC
"""
_SEARCH_CHATS = r"""
SELECT * FROM (
  SELECT c.id, c.user_id, c.folder_id, c.title, c.memory_disabled, c.pinned_at,
         c.archived_at, c.deleted_at, c.created_at, c.updated_at, c.system_prompt,
         c.model,
         (SELECT m.content FROM messages m
          WHERE m.chat_id = c.id AND m.content LIKE ? ESCAPE '\'
          ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS matched
  FROM chats c WHERE c.user_id = ? AND c.deleted_at IS NULL
) hits
WHERE matched IS NOT NULL OR title LIKE ? ESCAPE '\'
ORDER BY updated_at DESC, id DESC
LIMIT ?
"""
_SAVE_CHAT = """
UPDATE chats
SET folder_id = ?, title = ?, memory_disabled = ?, pinned_at = ?, archived_at = ?,
    deleted_at = ?, updated_at = ?, system_prompt = ?, model = ?
WHERE id = ? AND user_id = ?
"""
# ?1: a JSON array of chat ids; one fixed statement whatever the page size.
_TOUCH_CHAT = """
UPDATE chats SET updated_at = ?, title = coalesce(title, ?)
WHERE id = ? AND user_id = ? AND deleted_at IS NULL
"""
_CHAT_STATS = """
SELECT chat_id, count(*), max(created_at)
FROM messages WHERE chat_id IN (SELECT value FROM json_each(?1))
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
        memory_disabled=bool(memory_disabled),
        pinned_at=dt_or_none(pinned_at),
        archived_at=dt_or_none(archived_at),
        deleted_at=dt_or_none(deleted_at),
        created_at=from_ms(created_at),
        updated_at=from_ms(updated_at),
        system_prompt=system_prompt,
        model=model,
    )


def _chat_key(cursor: ChatCursor) -> tuple[int | None, int, str]:
    return ms_or_none(cursor.pinned_at), to_ms(cursor.updated_at), cursor.id


class SqliteChatRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, chat: Chat) -> None:
        params = (
            chat.id,
            chat.user_id,
            chat.folder_id,
            chat.title,
            int(chat.memory_disabled),
            ms_or_none(chat.pinned_at),
            ms_or_none(chat.archived_at),
            ms_or_none(chat.deleted_at),
            to_ms(chat.created_at),
            to_ms(chat.updated_at),
            chat.system_prompt,
            chat.model,
        )
        if await select_one(self._conn, _ADD_CHAT, params) is None:
            raise AlreadyExists("Chat id already taken")

    async def get(self, user_id: int, chat_id: str) -> Chat | None:
        row = await select_one(self._conn, _CHAT_BY_ID, (chat_id, user_id))
        return None if row is None else _chat(row)

    async def list_page(
        self, user_id: int, *, archived: bool, limit: int, offset: int
    ) -> list[Chat]:
        sql = _ARCHIVED_CHATS if archived else _LIVE_CHATS
        return [_chat(row) for row in await select_all(self._conn, sql, (user_id, limit, offset))]

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
        key = (None, None, None) if after is None else _chat_key(after)
        rows = await select_all(self._conn, sql, (user_id, pattern, limit, *key))
        return [_chat(row) for row in rows]

    async def list_in_folder(self, user_id: int, folder_id: str) -> list[Chat]:
        rows = await select_all(self._conn, _CHATS_IN_FOLDER, (folder_id, user_id))
        return [_chat(row) for row in rows]

    async def search(self, user_id: int, text: str, *, limit: int) -> list[ChatHit]:
        pattern = contains_pattern(text)
        rows = await select_all(self._conn, _SEARCH_CHATS, (pattern, user_id, pattern, limit))
        return [ChatHit(chat=_chat(row[:-1]), matched_text=row[-1]) for row in rows]

    async def save(self, chat: Chat) -> None:
        params = (
            chat.folder_id,
            chat.title,
            int(chat.memory_disabled),
            ms_or_none(chat.pinned_at),
            ms_or_none(chat.archived_at),
            ms_or_none(chat.deleted_at),
            to_ms(chat.updated_at),
            chat.system_prompt,
            chat.model,
            chat.id,
            chat.user_id,
        )
        await write_count(self._conn, _SAVE_CHAT, params)

    async def touch(self, user_id: int, chat_id: str, at: datetime, title: str | None) -> bool:
        params = (to_ms(at), title, chat_id, user_id)
        return await write_count(self._conn, _TOUCH_CHAT, params) > 0

    async def stats(self, chat_ids: Sequence[str]) -> dict[str, ChatStats]:
        if not chat_ids:
            return {}
        rows = await select_all(self._conn, _CHAT_STATS, (json_text(list(chat_ids)),))
        return {
            chat_id: ChatStats(message_count=count, last_message_at=from_ms(last))
            for chat_id, count, last in rows
        }


# --- messages --------------------------------------------------------------------

_ADD_MESSAGE = """
INSERT INTO messages
    (id, chat_id, role, content, model, file_ids, metadata, status, error,
     prompt_tokens, completion_tokens, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
RETURNING 1
"""
_MESSAGE_BY_ID = """
SELECT id, chat_id, role, content, model, file_ids, metadata, status, error,
       prompt_tokens, completion_tokens, created_at, updated_at
FROM messages WHERE id = ? AND chat_id = ?
"""
_USERS_MESSAGE = """
SELECT m.id, m.chat_id, m.role, m.content, m.model, m.file_ids, m.metadata, m.status,
       m.error, m.prompt_tokens, m.completion_tokens, m.created_at, m.updated_at
FROM messages m JOIN chats c ON c.id = m.chat_id
WHERE m.id = ? AND c.user_id = ? AND c.deleted_at IS NULL
"""
_MESSAGES_OF_CHAT = """
SELECT id, chat_id, role, content, model, file_ids, metadata, status, error,
       prompt_tokens, completion_tokens, created_at, updated_at
FROM messages WHERE chat_id = ?
ORDER BY created_at, id
LIMIT ? OFFSET ?
"""
# ?2 and ?3: the cursor's created_at and id, both NULL for the first page.
_MESSAGES_AFTER = """
SELECT id, chat_id, role, content, model, file_ids, metadata, status, error,
       prompt_tokens, completion_tokens, created_at, updated_at
FROM messages WHERE chat_id = ?1 AND (?3 IS NULL OR (created_at, id) > (?2, ?3))
ORDER BY created_at, id
LIMIT ?4
"""
# As _RECENT_MESSAGES, below the message ?2 of the chat (none when it has no ?2).
_MESSAGES_BEFORE = """
SELECT * FROM (
  SELECT m.id, m.chat_id, m.role, m.content, m.model, m.file_ids, m.metadata, m.status,
         m.error, m.prompt_tokens, m.completion_tokens, m.created_at, m.updated_at
  FROM messages AS m JOIN messages AS b ON b.id = ?2 AND b.chat_id = m.chat_id
  WHERE m.chat_id = ?1 AND (m.created_at, m.id) < (b.created_at, b.id)
  ORDER BY m.created_at DESC, m.id DESC
  LIMIT ?3
)
ORDER BY created_at, id
"""
# The inner query reads the newest rows backwards off messages_chat_order, so LIMIT
# stops early; the outer one puts the few it keeps back in reading order.
_RECENT_MESSAGES = """
SELECT * FROM (
  SELECT id, chat_id, role, content, model, file_ids, metadata, status, error,
         prompt_tokens, completion_tokens, created_at, updated_at
  FROM messages WHERE chat_id = ?
  ORDER BY created_at DESC, id DESC
  LIMIT ?
)
ORDER BY created_at, id
"""
# Both statements match the partial indexes on status = 'streaming' (the literal
# must be spelled out for the planner to see that).
_STREAMING_IN_CHAT = """
SELECT id, chat_id, role, content, model, file_ids, metadata, status, error,
       prompt_tokens, completion_tokens, created_at, updated_at
FROM messages WHERE chat_id = ? AND status = 'streaming'
"""
# CROSS JOIN fixes the order: the few replies streaming now, each looked up in its
# chat, rather than every chat of the user probed for one.
_COUNT_STREAMING = """
SELECT count(*)
FROM messages AS m CROSS JOIN chats AS c ON c.id = m.chat_id
WHERE m.status = 'streaming' AND c.user_id = ?
"""
_SAVE_PROGRESS = """
UPDATE messages SET content = ?, updated_at = ?
WHERE id = ? AND status = 'streaming'
"""
_FINISH_MESSAGE = """
UPDATE messages
SET content = ?, status = ?, model = ?, prompt_tokens = ?, completion_tokens = ?, error = ?,
    updated_at = ?
WHERE id = ? AND chat_id = ? AND status = 'streaming'
"""


def _finish_params(message: Message) -> tuple[Any, ...]:
    usage = message.usage
    return (
        message.content,
        message.status.value,
        message.model,
        None if usage is None else usage.prompt_tokens,
        None if usage is None else usage.completion_tokens,
        message.error,
        ms_or_none(message.updated_at),
        message.id,
        message.chat_id,
    )


_FAIL_STALE = """
UPDATE messages SET status = 'failed', error = ?, updated_at = ?
WHERE status = 'streaming' AND coalesce(updated_at, created_at) < ?
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
        file_ids=None if file_ids is None else _file_ids.decode(file_ids),
        metadata=None if metadata is None else _metadata.decode(metadata),
        status=MessageStatus(status),
        error=error,
        usage=(
            None
            if prompt_tokens is None
            else Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        ),
        created_at=from_ms(created_at),
        updated_at=dt_or_none(updated_at),
    )


class SqliteMessageRepository:
    """Messages are reached through their chat; the caller checks who owns the chat."""

    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, message: Message) -> None:
        usage = message.usage
        params = (
            message.id,
            message.chat_id,
            message.role.value,
            message.content,
            message.model,
            json_text(message.file_ids),
            json_text(message.metadata),
            message.status.value,
            message.error,
            None if usage is None else usage.prompt_tokens,
            None if usage is None else usage.completion_tokens,
            to_ms(message.created_at),
            ms_or_none(message.updated_at),
        )
        # Two unique keys: the id, and one "streaming" reply per chat.
        if await select_one(self._conn, _ADD_MESSAGE, params) is None:
            raise AlreadyExists("Message id taken, or the chat already has a reply in progress")

    async def get(self, chat_id: str, message_id: str) -> Message | None:
        row = await select_one(self._conn, _MESSAGE_BY_ID, (message_id, chat_id))
        return None if row is None else _message(row)

    async def find(self, user_id: int, message_id: str) -> Message | None:
        row = await select_one(self._conn, _USERS_MESSAGE, (message_id, user_id))
        return None if row is None else _message(row)

    async def list_page(self, chat_id: str, *, limit: int, offset: int) -> list[Message]:
        rows = await select_all(self._conn, _MESSAGES_OF_CHAT, (chat_id, limit, offset))
        return [_message(row) for row in rows]

    async def list_after(
        self, chat_id: str, *, limit: int, after: MessageCursor | None
    ) -> list[Message]:
        key = (None, None) if after is None else (to_ms(after.created_at), after.id)
        rows = await select_all(self._conn, _MESSAGES_AFTER, (chat_id, *key, limit))
        return [_message(row) for row in rows]

    async def list_before(self, chat_id: str, *, limit: int, before_id: str) -> list[Message]:
        rows = await select_all(self._conn, _MESSAGES_BEFORE, (chat_id, before_id, limit))
        return [_message(row) for row in rows]

    async def delete(self, chat_id: str, message_id: str) -> bool:
        changed = await write_count(
            self._conn, "DELETE FROM messages WHERE id = ? AND chat_id = ?", (message_id, chat_id)
        )
        return changed > 0

    async def recent(self, chat_id: str, *, limit: int) -> list[Message]:
        rows = await select_all(self._conn, _RECENT_MESSAGES, (chat_id, limit))
        return [_message(row) for row in rows]

    async def streaming_in_chat(self, chat_id: str) -> Message | None:
        row = await select_one(self._conn, _STREAMING_IN_CHAT, (chat_id,))
        return None if row is None else _message(row)

    async def lock_user_runs(self, user_id: int) -> None:
        """Nothing to do: SQLite has one writer, so a write transaction already keeps
        every other one out."""

    async def count_streaming(self, user_id: int) -> int:
        row = await select_one(self._conn, _COUNT_STREAMING, (user_id,))
        return 0 if row is None else int(row[0])

    async def finish(self, message: Message) -> bool:
        return await write_count(self._conn, _FINISH_MESSAGE, _finish_params(message)) > 0

    async def save_progress_many(self, progress: Sequence[tuple[str, str]], at: datetime) -> None:
        moment = to_ms(at)
        await self._conn.executemany(
            _SAVE_PROGRESS, [(content, moment, message_id) for message_id, content in progress]
        )

    async def finish_many(self, messages: Sequence[Message]) -> None:
        await self._conn.executemany(_FINISH_MESSAGE, [_finish_params(m) for m in messages])

    async def fail_stale(self, before: datetime, error: str, at: datetime) -> list[str]:
        params = (error, to_ms(at), to_ms(before))
        return [row[0] for row in await select_all(self._conn, _FAIL_STALE, params)]


# --- folders ---------------------------------------------------------------------

_ADD_FOLDER = """
INSERT INTO folders
    (id, user_id, name, color, position, is_collapsed, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
RETURNING 1
"""
_FOLDER_BY_ID = """
SELECT id, user_id, name, color, position, is_collapsed, created_at, updated_at
FROM folders WHERE id = ? AND user_id = ?
"""
_FOLDERS_OF_USER = """
SELECT id, user_id, name, color, position, is_collapsed, created_at, updated_at
FROM folders WHERE user_id = ?
ORDER BY position, created_at, id
"""
_NEXT_POSITION = "SELECT coalesce(max(position) + 1, 0) FROM folders WHERE user_id = ?"
_SAVE_FOLDER = """
UPDATE folders SET name = ?, color = ?, position = ?, is_collapsed = ?, updated_at = ?
WHERE id = ? AND user_id = ?
"""


def _folder(row: Row) -> Folder:
    folder_id, user_id, name, color, position, is_collapsed, created_at, updated_at = row
    return Folder(
        id=folder_id,
        user_id=user_id,
        name=name,
        color=color,
        position=position,
        is_collapsed=bool(is_collapsed),
        created_at=from_ms(created_at),
        updated_at=from_ms(updated_at),
    )


class SqliteFolderRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, folder: Folder) -> None:
        params = (
            folder.id,
            folder.user_id,
            folder.name,
            folder.color,
            folder.position,
            int(folder.is_collapsed),
            to_ms(folder.created_at),
            to_ms(folder.updated_at),
        )
        if await select_one(self._conn, _ADD_FOLDER, params) is None:
            raise AlreadyExists("Folder id already taken")

    async def get(self, user_id: int, folder_id: str) -> Folder | None:
        row = await select_one(self._conn, _FOLDER_BY_ID, (folder_id, user_id))
        return None if row is None else _folder(row)

    async def list_all(self, user_id: int) -> list[Folder]:
        return [_folder(row) for row in await select_all(self._conn, _FOLDERS_OF_USER, (user_id,))]

    async def next_position(self, user_id: int) -> int:
        row = await select_one(self._conn, _NEXT_POSITION, (user_id,))
        return 0 if row is None else int(row[0])

    async def save(self, folder: Folder) -> None:
        params = (
            folder.name,
            folder.color,
            folder.position,
            int(folder.is_collapsed),
            to_ms(folder.updated_at),
            folder.id,
            folder.user_id,
        )
        await write_count(self._conn, _SAVE_FOLDER, params)

    async def delete(self, user_id: int, folder_id: str) -> bool:
        # Its chats stay: chats.folder_id is ON DELETE SET NULL.
        changed = await write_count(
            self._conn, "DELETE FROM folders WHERE id = ? AND user_id = ?", (folder_id, user_id)
        )
        return changed > 0


# --- audit log -------------------------------------------------------------------

_ADD_AUDIT = """
INSERT INTO audit_log (user_id, action, target, ip, detail, created_at)
VALUES (?, ?, ?, ?, ?, ?)
"""
_AUDIT_PAGE = """
SELECT id, user_id, action, target, ip, detail, created_at
FROM audit_log ORDER BY id DESC
LIMIT ? OFFSET ?
"""


class SqliteAuditLogRepository:
    """The database numbers entries in their order of arrival; ``entry.id`` is ignored."""

    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, entry: AuditEntry) -> None:
        params = (
            entry.user_id,
            entry.action.value,
            entry.target,
            entry.ip,
            entry.detail,
            to_ms(entry.created_at),
        )
        await write_count(self._conn, _ADD_AUDIT, params)

    async def list_page(self, *, limit: int, offset: int) -> list[AuditEntry]:
        return [
            AuditEntry(
                id=entry_id,
                user_id=user_id,
                action=AuditAction(action),
                target=target,
                ip=ip,
                detail=detail,
                created_at=from_ms(created_at),
            )
            for entry_id, user_id, action, target, ip, detail, created_at in await select_all(
                self._conn, _AUDIT_PAGE, (limit, offset)
            )
        ]


class SqliteUnitOfWork:
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

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.users: UserRepository = SqliteUserRepository(conn)
        self.sessions: SessionRepository = SqliteSessionRepository(conn)
        self.chats: ChatRepository = SqliteChatRepository(conn)
        self.messages: MessageRepository = SqliteMessageRepository(conn)
        self.folders: FolderRepository = SqliteFolderRepository(conn)
        self.providers: ProviderRepository = SqliteProviderRepository(conn)
        self.models: ModelRepository = SqliteModelRepository(conn)
        self.access_tokens: AccessTokenRepository = SqliteAccessTokenRepository(conn)
        self.preferences: PreferencesRepository = SqlitePreferencesRepository(conn)
        self.files: FileRepository = SqliteFileRepository(conn)
        self.audit: AuditLogRepository = SqliteAuditLogRepository(conn)
