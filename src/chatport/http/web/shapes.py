"""Response shapes of the web API and the mappers that build them from the domain.

Faster Chat's naming is kept to the letter: chats, messages and sessions are
camelCase, folders and admin rows snake_case; times are epoch milliseconds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from chatport.domain.audit import AuditEntry
from chatport.domain.chats import Chat, SearchResult
from chatport.domain.folders import Folder
from chatport.domain.messages import Message
from chatport.domain.users import Session, User


def ms(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def ms_of(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class UserOut(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str
    role: str


class SessionOut(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    expires_at: int


class SessionResponse(msgspec.Struct, frozen=True, kw_only=True):
    user: UserOut
    session: SessionOut


class NoSession(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    user: None = None
    setup_required: bool = False  # no user yet: the page offers to create the admin


class Success(msgspec.Struct, frozen=True, kw_only=True):
    success: bool = True


class PasswordChanged(msgspec.Struct, frozen=True, kw_only=True):
    success: bool
    session: SessionOut


class Done(msgspec.Struct, frozen=True, kw_only=True):
    """The seed's ``{"message": "... successfully"}`` answers."""

    message: str


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, username=user.username, role=user.role.value)


def session_response(user: User, session: Session) -> SessionResponse:
    return SessionResponse(
        user=user_out(user), session=SessionOut(expires_at=ms_of(session.expires_at))
    )


class ChatOut(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    title: str | None
    folder_id: str | None
    memory_disabled: bool
    pinned_at: int | None
    archived_at: int | None
    created_at: int
    updated_at: int
    system_prompt: str | None = None


class ChatList(msgspec.Struct, frozen=True, kw_only=True):
    chats: list[ChatOut]
    limit: int
    offset: int


class MemoryOut(msgspec.Struct, frozen=True, kw_only=True):
    disabled: bool


def chat_out(chat: Chat) -> ChatOut:
    return ChatOut(
        id=chat.id,
        title=chat.title,
        folder_id=chat.folder_id,
        memory_disabled=chat.memory_disabled,
        pinned_at=ms(chat.pinned_at),
        archived_at=ms(chat.archived_at),
        created_at=ms_of(chat.created_at),
        updated_at=ms_of(chat.updated_at),
        system_prompt=chat.system_prompt,
    )


class SearchHitOut(ChatOut, frozen=True, kw_only=True, rename="camel"):
    snippet: str


class SearchHits(msgspec.Struct, frozen=True, kw_only=True):
    chats: list[SearchHitOut]


def search_hit_out(result: SearchResult) -> SearchHitOut:
    fields = msgspec.structs.asdict(chat_out(result.chat))
    return SearchHitOut(**fields, snippet=result.snippet)


class UsageOut(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    prompt_tokens: int
    completion_tokens: int


class MessageOut(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    chat_id: str
    role: str
    content: str
    model: str | None
    file_ids: list[str] | None
    metadata: dict[str, Any] | None
    status: str
    error: str | None
    usage: UsageOut | None
    created_at: int


class MessageList(msgspec.Struct, frozen=True, kw_only=True):
    messages: list[MessageOut]
    limit: int
    offset: int


def message_out(message: Message) -> MessageOut:
    usage = message.usage
    return MessageOut(
        id=message.id,
        chat_id=message.chat_id,
        role=message.role.value,
        content=message.content,
        model=message.model,
        file_ids=list(message.file_ids) if message.file_ids is not None else None,
        metadata=message.metadata,
        status=message.status.value,
        error=message.error,
        usage=UsageOut(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens)
        if usage
        else None,
        created_at=ms_of(message.created_at),
    )


class FolderOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    user_id: int
    name: str
    color: str | None
    position: int
    is_collapsed: int  # 0 or 1, as Faster Chat's SQLite rows
    created_at: int
    updated_at: int


class FolderEnvelope(msgspec.Struct, frozen=True, kw_only=True):
    folder: FolderOut


class FolderList(msgspec.Struct, frozen=True, kw_only=True):
    folders: list[FolderOut]


class FolderChatOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str | None
    folder_id: str | None
    pinned_at: int | None
    created_at: int
    updated_at: int


class FolderChats(msgspec.Struct, frozen=True, kw_only=True):
    chats: list[FolderChatOut]


class ChatEnvelope(msgspec.Struct, frozen=True, kw_only=True):
    chat: ChatOut


def folder_out(folder: Folder) -> FolderOut:
    return FolderOut(
        id=folder.id,
        user_id=folder.user_id,
        name=folder.name,
        color=folder.color,
        position=folder.position,
        is_collapsed=int(folder.is_collapsed),
        created_at=ms_of(folder.created_at),
        updated_at=ms_of(folder.updated_at),
    )


def folder_chat_out(chat: Chat) -> FolderChatOut:
    return FolderChatOut(
        id=chat.id,
        title=chat.title,
        folder_id=chat.folder_id,
        pinned_at=ms(chat.pinned_at),
        created_at=ms_of(chat.created_at),
        updated_at=ms_of(chat.updated_at),
    )


class AdminUserOut(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str
    role: str
    created_at: int
    disabled_at: int | None


class AdminUserList(msgspec.Struct, frozen=True, kw_only=True):
    users: list[AdminUserOut]


class AdminUserEnvelope(msgspec.Struct, frozen=True, kw_only=True):
    success: bool = True
    user: AdminUserOut


def admin_user_out(user: User) -> AdminUserOut:
    return AdminUserOut(
        id=user.id,
        username=user.username,
        role=user.role.value,
        created_at=ms_of(user.created_at),
        disabled_at=ms(user.disabled_at),
    )


class AuditOut(msgspec.Struct, frozen=True, kw_only=True):
    id: int | None
    user_id: int | None
    action: str
    target: str | None
    detail: str | None
    ip_address: str | None
    created_at: int


class AuditList(msgspec.Struct, frozen=True, kw_only=True):
    logs: list[AuditOut]
    limit: int
    offset: int


def audit_out(entry: AuditEntry) -> AuditOut:
    return AuditOut(
        id=entry.id,
        user_id=entry.user_id,
        action=entry.action.value,
        target=entry.target,
        detail=entry.detail,
        ip_address=entry.ip,
        created_at=ms_of(entry.created_at),
    )
