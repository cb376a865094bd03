"""``/api/chats``: a user's chats and their messages."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from chatport.domain.chats import SEARCH_QUERY_MAX, SYSTEM_PROMPT_MAX, TITLE_MAX
from chatport.domain.messages import CONTENT_MAX, MessageRole
from chatport.http.auth import AuthUser, current_user, services_of
from chatport.http.web.shapes import (
    ChatList,
    ChatOut,
    Done,
    MemoryOut,
    MessageList,
    MessageOut,
    SearchHits,
    chat_out,
    message_out,
    search_hit_out,
)
from chatport.services.messages import NewMessage

Title = Annotated[str, msgspec.Meta(max_length=TITLE_MAX)]
Id = Annotated[str, msgspec.Meta(max_length=64)]
SystemPrompt = Annotated[str, msgspec.Meta(max_length=SYSTEM_PROMPT_MAX)]


class CreateChatBody(msgspec.Struct, frozen=True, kw_only=True):
    id: Id | None = None
    title: Title | None = None
    folder_id: Id | None = None


class UpdateChatBody(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Fields left out stay as they are; null clears one."""

    title: Title | msgspec.UnsetType | None = msgspec.UNSET
    system_prompt: SystemPrompt | msgspec.UnsetType | None = msgspec.UNSET


class MemoryBody(msgspec.Struct, frozen=True, kw_only=True):
    disabled: bool


class CreateMessageBody(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    role: MessageRole
    content: Annotated[str, msgspec.Meta(max_length=CONTENT_MAX)]
    id: Id | None = None
    model: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    file_ids: Annotated[list[Id], msgspec.Meta(max_length=20)] | None = None
    metadata: dict[str, Any] | None = None


class ChatController(Controller):
    path = "/api/chats"
    tags = ["chats"]
    dependencies = {"user": Provide(current_user)}

    @get("/")
    async def list_chats(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
        archived: FromQuery[bool] = False,
    ) -> ChatList:
        """The user's chats, pinned first; ``archived=true`` lists the archive."""
        chats = await services_of(request).chats.list_chats(
            user, archived=archived, limit=limit, offset=offset
        )
        return ChatList(chats=[chat_out(c) for c in chats], limit=limit, offset=offset)

    @get("/search")
    async def search_chats(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        q: Annotated[str, QueryParameter(min_length=1, max_length=SEARCH_QUERY_MAX)],
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 20,
    ) -> SearchHits:
        """Chats whose title or messages contain ``q`` (ignoring case), newest first,
        each with a ``snippet`` around the match."""
        results = await services_of(request).chats.search(user, q, limit=limit)
        return SearchHits(chats=[search_hit_out(r) for r in results])

    @post("/", status_code=201)
    async def create_chat(
        self, request: Request[Any, Any, Any], user: AuthUser, data: JSONBody[CreateChatBody]
    ) -> ChatOut:
        chat = await services_of(request).chats.create(
            user, chat_id=data.id, title=data.title, folder_id=data.folder_id
        )
        return chat_out(chat)

    @get("/{chat_id:str}")
    async def get_chat(
        self, request: Request[Any, Any, Any], user: AuthUser, chat_id: FromPath[str]
    ) -> ChatOut:
        return chat_out(await services_of(request).chats.get(user, chat_id))

    @patch("/{chat_id:str}")
    async def update_chat(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        chat_id: FromPath[str],
        data: JSONBody[UpdateChatBody],
    ) -> ChatOut:
        chat = await services_of(request).chats.update(
            user, chat_id, title=data.title, system_prompt=data.system_prompt
        )
        return chat_out(chat)

    @delete("/{chat_id:str}", status_code=200)
    async def delete_chat(
        self, request: Request[Any, Any, Any], user: AuthUser, chat_id: FromPath[str]
    ) -> Done:
        await services_of(request).chats.delete(user, chat_id)
        return Done(message="Chat deleted successfully")

    @post("/{chat_id:str}/pin", status_code=200)
    async def pin(
        self, request: Request[Any, Any, Any], user: AuthUser, chat_id: FromPath[str]
    ) -> Done:
        await services_of(request).chats.pin(user, chat_id)
        return Done(message="Chat pinned successfully")

    @delete("/{chat_id:str}/pin", status_code=200)
    async def unpin(
        self, request: Request[Any, Any, Any], user: AuthUser, chat_id: FromPath[str]
    ) -> Done:
        await services_of(request).chats.unpin(user, chat_id)
        return Done(message="Chat unpinned successfully")

    @post("/{chat_id:str}/archive", status_code=200)
    async def archive(
        self, request: Request[Any, Any, Any], user: AuthUser, chat_id: FromPath[str]
    ) -> Done:
        await services_of(request).chats.archive(user, chat_id)
        return Done(message="Chat archived successfully")

    @delete("/{chat_id:str}/archive", status_code=200)
    async def unarchive(
        self, request: Request[Any, Any, Any], user: AuthUser, chat_id: FromPath[str]
    ) -> Done:
        await services_of(request).chats.unarchive(user, chat_id)
        return Done(message="Chat unarchived successfully")

    @put("/{chat_id:str}/memory")
    async def set_memory(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        chat_id: FromPath[str],
        data: JSONBody[MemoryBody],
    ) -> MemoryOut:
        chat = await services_of(request).chats.set_memory_disabled(user, chat_id, data.disabled)
        return MemoryOut(disabled=chat.memory_disabled)

    @get("/{chat_id:str}/messages")
    async def list_messages(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        chat_id: FromPath[str],
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 200,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> MessageList:
        """Oldest first."""
        messages = await services_of(request).messages.list_messages(
            user, chat_id, limit=limit, offset=offset
        )
        return MessageList(messages=[message_out(m) for m in messages], limit=limit, offset=offset)

    @post("/{chat_id:str}/messages", status_code=201)
    async def create_message(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        chat_id: FromPath[str],
        data: JSONBody[CreateMessageBody],
    ) -> MessageOut:
        """The first user message of an untitled chat gives it its title."""
        message = await services_of(request).messages.add(
            user,
            chat_id,
            NewMessage(
                role=data.role,
                content=data.content,
                id=data.id,
                model=data.model,
                file_ids=tuple(dict.fromkeys(data.file_ids)) if data.file_ids else None,
                metadata=data.metadata,
            ),
        )
        return message_out(message)

    @delete("/{chat_id:str}/messages/{message_id:str}", status_code=200)
    async def delete_message(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        chat_id: FromPath[str],
        message_id: FromPath[str],
    ) -> Done:
        await services_of(request).messages.delete(user, chat_id, message_id)
        return Done(message="Message deleted successfully")
