"""``/api/v1/conversations``: cursor-paged lists, create, get with the latest
messages, update, soft delete, pin and unpin; messages sent, streamed, stopped,
regenerated; ``/api/v1/messages/{id}`` deleted."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.response import Stream

from chatport.domain.chats import SEARCH_QUERY_MAX, TITLE_MAX
from chatport.domain.messages import CONTENT_MAX, Message
from chatport.domain.paging import PER_PAGE_DEFAULT, PER_PAGE_MAX
from chatport.domain.preferences import SYSTEM_PROMPT_MAX
from chatport.http.auth import AuthUser, services_of
from chatport.http.sse import SSE_HEADERS, last_event_id
from chatport.http.v1.auth import v1_user
from chatport.http.v1.docs import HEADERS, errors
from chatport.http.v1.envelope import Envelope, iso
from chatport.http.v1.shapes import MessageOut, message_out
from chatport.http.v1.stream import v1_stream
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


class SendBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    content: Annotated[str, msgspec.Meta(min_length=1, max_length=CONTENT_MAX)]
    model: ModelId | None = None


class RegenerateBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    model: ModelId | None = None


class SentOut(msgspec.Struct, frozen=True, kw_only=True):
    message: MessageOut
    assistant_message: MessageOut
    stream_url: str


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
    response_headers = HEADERS
    tags = ["v1 conversations"]
    dependencies = {"user": Provide(v1_user)}

    @get("/", responses=errors())
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

    @post("/", status_code=201, responses=errors(409))
    async def create_conversation(
        self, request: Request[Any, Any, Any], user: AuthUser, data: JSONBody[CreateBody]
    ) -> Envelope[ConversationOut]:
        created = await services_of(request).conversations.create(
            user, title=data.title, model=data.model, system_prompt=data.system_prompt
        )
        return Envelope(data=conversation_out(created))

    @get("/{conversation_id:str}", responses=errors(404))
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

    @put("/{conversation_id:str}", responses=errors(404, 409))
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

    @delete("/{conversation_id:str}", status_code=204, responses=errors(404))
    async def delete_conversation(
        self, request: Request[Any, Any, Any], user: AuthUser, conversation_id: FromPath[str]
    ) -> None:
        await services_of(request).conversations.delete(user, conversation_id)

    @get("/{conversation_id:str}/messages", responses=errors(404))
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

    @post("/{conversation_id:str}/stop", status_code=200, responses=errors(404, 409))
    async def stop(
        self, request: Request[Any, Any, Any], user: AuthUser, conversation_id: FromPath[str]
    ) -> Envelope[MessageOut]:
        """Stop the running reply; answers it as kept."""
        kept = await services_of(request).generations.stop(user, conversation_id)
        return Envelope(data=message_out(kept))

    @post("/{conversation_id:str}/pin", status_code=200, responses=errors(404, 409))
    async def pin(
        self, request: Request[Any, Any, Any], user: AuthUser, conversation_id: FromPath[str]
    ) -> Envelope[ConversationOut]:
        pinned = await services_of(request).conversations.pin(user, conversation_id)
        return Envelope(data=conversation_out(pinned))

    @post("/{conversation_id:str}/unpin", status_code=200, responses=errors(404, 409))
    async def unpin(
        self, request: Request[Any, Any, Any], user: AuthUser, conversation_id: FromPath[str]
    ) -> Envelope[ConversationOut]:
        unpinned = await services_of(request).conversations.unpin(user, conversation_id)
        return Envelope(data=conversation_out(unpinned))

    @post("/{conversation_id:str}/messages", status_code=202, responses=errors(404, 409, 428, 503))
    async def send_message(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        conversation_id: FromPath[str],
        data: JSONBody[SendBody],
    ) -> Envelope[SentOut]:
        """Store the message and start the reply; read it at ``stream_url``. The model
        is ``model``, else the user's default model, else the conversation's."""
        sent = await services_of(request).conversations.send(
            user, conversation_id, data.content, data.model
        )
        return Envelope(
            data=SentOut(
                message=message_out(sent.question),
                assistant_message=message_out(sent.reply),
                stream_url=f"{self.path}/{sent.reply.chat_id}/stream",
            )
        )

    @post(
        "/{conversation_id:str}/regenerate", status_code=202, responses=errors(404, 409, 428, 503)
    )
    async def regenerate(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        conversation_id: FromPath[str],
        data: JSONBody[RegenerateBody | None] = None,
    ) -> Envelope[MessageOut]:
        """Replace the last reply with a new one (its model unless ``model`` says);
        answers the new reply, status ``streaming``."""
        model = data.model if data is not None else None
        started = await services_of(request).conversations.regenerate(user, conversation_id, model)
        return Envelope(data=message_out(started.message))

    @get(
        "/{conversation_id:str}/stream",
        media_type="text/event-stream",
        response_description="Frames of `id:`, `event:` (message.started, message.delta, "
        "message.completed, message.failed, message.cancelled) and `data:` (JSON); "
        "a `: ping` comment every 15 s",
        responses={
            204: ResponseSpec(None, description="The conversation has no reply yet"),
            **errors(404),
        },
    )
    async def stream(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        conversation_id: FromPath[str],
        last_event: Annotated[
            str | None, HeaderParameter(name="Last-Event-ID", required=False, max_length=20)
        ] = None,
    ) -> Stream | Response[None]:
        """The latest reply's events: ``message.started``, ``message.delta``, then
        one of ``message.completed``, ``message.failed``, ``message.cancelled``.
        After ``Last-Event-ID`` when given; an ended reply sends its final event."""
        after = last_event_id(last_event)
        generations = services_of(request).generations
        followed = await generations.follow(user, conversation_id, after)
        if followed is None:
            return Response(None, status_code=204)

        async def load(message_id: str) -> Message | None:
            return await generations.stored_reply(user, message_id)

        return Stream(
            v1_stream(followed, after, load), media_type="text/event-stream", headers=SSE_HEADERS
        )


class V1MessagesController(Controller):
    path = "/api/v1/messages"
    response_headers = HEADERS
    tags = ["v1 messages"]
    dependencies = {"user": Provide(v1_user)}

    @delete("/{message_id:str}", status_code=204, responses=errors(404, 409))
    async def delete_message(
        self, request: Request[Any, Any, Any], user: AuthUser, message_id: FromPath[str]
    ) -> None:
        """A reply being written cannot be deleted (409): stop it first."""
        await services_of(request).messages.delete_by_id(user, message_id)
