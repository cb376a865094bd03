"""``/api/v1/conversations``: cursor-paged lists, create, get with the latest
messages, update, soft delete, pin and unpin."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post, put
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from chatport.domain.chats import SEARCH_QUERY_MAX, TITLE_MAX
from chatport.domain.messages import Message
from chatport.domain.paging import PER_PAGE_DEFAULT, PER_PAGE_MAX
from chatport.domain.preferences import SYSTEM_PROMPT_MAX
from chatport.http.auth import AuthUser, services_of
from chatport.http.v1.auth import v1_user
from chatport.http.v1.envelope import Envelope, iso
from chatport.services.conversations import Conversation, ConversationChange

Title = Annotated[str, msgspec.Meta(max_length=TITLE_MAX)]
ModelId = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Prompt = Annotated[str, msgspec.Meta(max_length=SYSTEM_PROMPT_MAX)]
Unset = msgspec.UnsetType


class CreateBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Title | None = None
    model: ModelId | None = None
    system_prompt: Prompt | None = None


class UpdateBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Title | Unset | None = msgspec.UNSET
    model: ModelId | Unset | None = msgspec.UNSET
    system_prompt: Prompt | Unset | None = msgspec.UNSET
    folder_id: Annotated[str, msgspec.Meta(max_length=64)] | Unset | None = msgspec.UNSET
    archived: bool | Unset = msgspec.UNSET


class UsageOut(msgspec.Struct, frozen=True, kw_only=True):
    prompt_tokens: int
    completion_tokens: int


class MessageOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    conversation_id: str
    role: str
    content: str
    model: str | None
    status: str
    error: str | None
    usage: UsageOut | None
    created_at: str | None


class ConversationOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str | None
    model: str | None
    system_prompt: str | None
    folder_id: str | None
    pinned: bool
    pinned_at: str | None
    archived: bool
    created_at: str | None
    updated_at: str | None
    last_message_at: str | None
    message_count: int


class ConversationWithMessages(ConversationOut, frozen=True, kw_only=True):
    messages: list[MessageOut]


def message_out(message: Message) -> MessageOut:
    usage = message.usage
    return MessageOut(
        id=message.id,
        conversation_id=message.chat_id,
        role=message.role.value,
        content=message.content,
        model=message.model,
        status=message.status.value,
        error=message.error,
        usage=UsageOut(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens)
        if usage
        else None,
        created_at=iso(message.created_at),
    )


def _fields(conversation: Conversation) -> dict[str, Any]:
    chat, stats = conversation.chat, conversation.stats
    return {
        "id": chat.id,
        "title": chat.title,
        "model": chat.model,
        "system_prompt": chat.system_prompt,
        "folder_id": chat.folder_id,
        "pinned": chat.pinned_at is not None,
        "pinned_at": iso(chat.pinned_at),
        "archived": chat.archived_at is not None,
        "created_at": iso(chat.created_at),
        "updated_at": iso(chat.updated_at),
        "last_message_at": iso(stats.last_message_at),
        "message_count": stats.message_count,
    }


def _pagination(per_page: int, next_cursor: str | None) -> dict[str, Any]:
    return {
        "pagination": {
            "per_page": per_page,
            "next_cursor": next_cursor,
            "has_more": next_cursor is not None,
        }
    }


def conversation_out(conversation: Conversation) -> ConversationOut:
    return ConversationOut(**_fields(conversation))


class V1ConversationsController(Controller):
    path = "/api/v1/conversations"
    tags = ["v1 conversations"]
    dependencies = {"user": Provide(v1_user)}

    @get("/")
    async def list_conversations(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        per_page: Annotated[int, QueryParameter(ge=1, le=PER_PAGE_MAX)] = PER_PAGE_DEFAULT,
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        archived: FromQuery[bool] = False,
        q: Annotated[str | None, QueryParameter(min_length=1, max_length=SEARCH_QUERY_MAX)] = None,
    ) -> Envelope[list[ConversationOut]]:
        """Pinned first, then by last activity; ``cursor`` from ``meta.pagination``."""
        page = await services_of(request).conversations.list_page(
            user, per_page=per_page, cursor=cursor, archived=archived, query=q
        )
        meta = _pagination(per_page, page.next_cursor)
        return Envelope(data=[conversation_out(c) for c in page.items], meta=meta)

    @post("/", status_code=201)
    async def create_conversation(
        self, request: Request[Any, Any, Any], user: AuthUser, data: JSONBody[CreateBody]
    ) -> Envelope[ConversationOut]:
        created = await services_of(request).conversations.create(
            user, title=data.title, model=data.model, system_prompt=data.system_prompt
        )
        return Envelope(data=conversation_out(created))

    @get("/{conversation_id:str}")
    async def get_conversation(
        self, request: Request[Any, Any, Any], user: AuthUser, conversation_id: FromPath[str]
    ) -> Envelope[ConversationWithMessages]:
        """With its latest 100 messages, oldest first."""
        found, messages = await services_of(request).conversations.get(user, conversation_id)
        return Envelope(
            data=ConversationWithMessages(
                **_fields(found), messages=[message_out(m) for m in messages]
            )
        )

    @put("/{conversation_id:str}")
    async def update_conversation(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        conversation_id: FromPath[str],
        data: JSONBody[UpdateBody],
    ) -> Envelope[ConversationOut]:
        change = ConversationChange(**msgspec.structs.asdict(data))
        updated = await services_of(request).conversations.update(user, conversation_id, change)
        return Envelope(data=conversation_out(updated))

    @delete("/{conversation_id:str}", status_code=204)
    async def delete_conversation(
        self, request: Request[Any, Any, Any], user: AuthUser, conversation_id: FromPath[str]
    ) -> None:
        await services_of(request).conversations.delete(user, conversation_id)

    @get("/{conversation_id:str}/messages")
    async def list_messages(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        conversation_id: FromPath[str],
        per_page: Annotated[int, QueryParameter(ge=1, le=PER_PAGE_MAX)] = PER_PAGE_DEFAULT,
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        before: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> Envelope[list[MessageOut]]:
        """Oldest first; ``before=<message id>`` pages back."""
        page = await services_of(request).conversations.messages_page(
            user, conversation_id, per_page=per_page, cursor=cursor, before=before
        )
        meta = _pagination(per_page, page.next_cursor)
        return Envelope(data=[message_out(m) for m in page.items], meta=meta)

    @post("/{conversation_id:str}/stop", status_code=200)
    async def stop(
        self, request: Request[Any, Any, Any], user: AuthUser, conversation_id: FromPath[str]
    ) -> Envelope[MessageOut]:
        """Stop the running reply; answers it as kept."""
        kept = await services_of(request).generations.stop(user, conversation_id)
        return Envelope(data=message_out(kept))

    @post("/{conversation_id:str}/pin", status_code=200)
    async def pin(
        self, request: Request[Any, Any, Any], user: AuthUser, conversation_id: FromPath[str]
    ) -> Envelope[ConversationOut]:
        pinned = await services_of(request).conversations.pin(user, conversation_id)
        return Envelope(data=conversation_out(pinned))

    @post("/{conversation_id:str}/unpin", status_code=200)
    async def unpin(
        self, request: Request[Any, Any, Any], user: AuthUser, conversation_id: FromPath[str]
    ) -> Envelope[ConversationOut]:
        unpinned = await services_of(request).conversations.unpin(user, conversation_id)
        return Envelope(data=conversation_out(unpinned))
