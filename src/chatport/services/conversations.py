"""Conversations, as the v1 API sees chats: cursor pages with message counts, a
default model per conversation, and the latest messages with the conversation."""

from __future__ import annotations

import msgspec

from chatport.domain.chats import (
    Chat,
    ChatStats,
    check_search_query,
    check_system_prompt,
    check_title,
)
from chatport.domain.errors import CredentialsRequired, FieldProblem, InvalidInput, NotFound
from chatport.domain.messages import Message
from chatport.domain.paging import PER_PAGE_MAX, ChatCursor, MessageCursor
from chatport.domain.users import User
from chatport.ports.clock import Clock, IdGenerator
from chatport.ports.repositories import Storage
from chatport.services.chats import ChatService, owned_chat
from chatport.services.generations import GenerationService, Started, UserTurn
from chatport.services.models import ModelService
from chatport.services.preferences import PreferencesService

LATEST_MESSAGES = 100
NO_CREDENTIALS = (
    "No model is available to you: add an API key of your own, or ask an admin to set up a provider"
)
_NO_STATS = ChatStats(message_count=0, last_message_at=None)


class Conversation(msgspec.Struct, frozen=True, kw_only=True):
    chat: Chat
    stats: ChatStats


class ConversationPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Conversation]
    next_cursor: str | None


class MessagePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Message]
    next_cursor: str | None


class ConversationChange(msgspec.Struct, frozen=True, kw_only=True):
    """UNSET leaves a field as it is; None clears it."""

    title: str | msgspec.UnsetType | None = msgspec.UNSET
    model: str | msgspec.UnsetType | None = msgspec.UNSET
    system_prompt: str | msgspec.UnsetType | None = msgspec.UNSET
    folder_id: str | msgspec.UnsetType | None = msgspec.UNSET
    archived: bool | msgspec.UnsetType = msgspec.UNSET


class Sent(msgspec.Struct, frozen=True, kw_only=True):
    question: Message
    reply: Message  # status streaming


class ConversationService:
    """Rules: as for chats (a user's own only, pinned first, soft delete); a
    conversation's model must be one the user can use now; lists page by cursor,
    so rows added meanwhile never shift a page. A message is answered by the model
    it names, else the user's default model, else the conversation's; a user who
    can use no model at all is told so before anything is stored. A new
    conversation without a system prompt takes the user's default one."""

    def __init__(
        self,
        storage: Storage,
        chats: ChatService,
        models: ModelService,
        preferences: PreferencesService,
        generations: GenerationService,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._storage = storage
        self._chats = chats
        self._models = models
        self._preferences = preferences
        self._generations = generations
        self._clock = clock
        self._ids = ids

    async def send(self, user: User, chat_id: str, content: str, model: str | None) -> Sent:
        """Store the user's message and start the reply to it."""
        if not content.strip():
            message = "The message is empty"
            raise InvalidInput(message, (FieldProblem("invalid", message, ("content",)),))
        await self._require_credentials(user)
        if model is None:
            model = (await self._preferences.get(user)).default_model
        # Without one, the reply takes the conversation's model.
        started = await self._generations.complete(user, chat_id, model, UserTurn(content=content))
        if started.question is None:  # a turn without an id is always stored
            raise RuntimeError("the user's message was not stored")
        return Sent(question=started.question, reply=started.message)

    async def regenerate(self, user: User, chat_id: str, model: str | None) -> Started:
        """Replace the last reply with a new one (its model unless ``model`` says)."""
        await self._require_credentials(user)
        return await self._generations.regenerate(user, chat_id, model)

    async def _require_credentials(self, user: User) -> None:
        if not await self._models.has_usable(user):
            raise CredentialsRequired(NO_CREDENTIALS)

    async def list_page(
        self,
        user: User,
        *,
        per_page: int,
        cursor: str | None = None,
        archived: bool = False,
        query: str | None = None,
    ) -> ConversationPage:
        after = ChatCursor.decode(cursor) if cursor else None
        title_query = check_search_query(query) if query is not None else None
        limit = min(per_page, PER_PAGE_MAX)
        async with self._storage.read() as uow:
            chats = await uow.chats.list_after(
                user.id, archived=archived, limit=limit + 1, after=after, title_query=title_query
            )
            page = chats[:limit]
            stats = await uow.chats.stats([c.id for c in page])
        next_cursor = ChatCursor.after(page[-1]).encode() if len(chats) > limit else None
        return ConversationPage(
            items=[Conversation(chat=c, stats=stats.get(c.id, _NO_STATS)) for c in page],
            next_cursor=next_cursor,
        )

    async def create(
        self,
        user: User,
        *,
        title: str | None = None,
        model: str | None = None,
        system_prompt: str | None = None,
    ) -> Conversation:
        if model is not None:
            await self._models.resolve(model, user)
        if system_prompt is None:  # the user's own default, for new conversations
            system_prompt = (await self._preferences.get(user)).system_prompt
        now = self._clock.now()
        chat = Chat(
            id=self._ids.new_id(),
            user_id=user.id,
            title=check_title(title),
            model=model,
            system_prompt=check_system_prompt(system_prompt),
            created_at=now,
            updated_at=now,
        )
        async with self._storage.write() as uow:
            await uow.chats.add(chat)
        return Conversation(chat=chat, stats=_NO_STATS)

    async def get(self, user: User, chat_id: str) -> tuple[Conversation, list[Message]]:
        """The conversation and its latest messages, oldest first."""
        async with self._storage.read() as uow:
            chat = await owned_chat(uow, user, chat_id)
            messages = await uow.messages.recent(chat_id, limit=LATEST_MESSAGES)
            stats = await uow.chats.stats([chat_id])
        return Conversation(chat=chat, stats=stats.get(chat_id, _NO_STATS)), messages

    async def update(self, user: User, chat_id: str, change: ConversationChange) -> Conversation:
        fields: dict[str, object] = {}
        if not isinstance(change.title, msgspec.UnsetType):
            fields["title"] = check_title(change.title)
        if not isinstance(change.system_prompt, msgspec.UnsetType):
            fields["system_prompt"] = check_system_prompt(change.system_prompt)
        if isinstance(change.model, str):
            await self._models.resolve(change.model, user)
        if not isinstance(change.model, msgspec.UnsetType):
            fields["model"] = change.model
        async with self._storage.write() as uow:
            chat = await owned_chat(uow, user, chat_id)
            folder = change.folder_id
            if isinstance(folder, str) and await uow.folders.get(user.id, folder) is None:
                raise NotFound("Folder not found")
            if not isinstance(change.folder_id, msgspec.UnsetType):
                fields["folder_id"] = change.folder_id
            # Archiving what is archived keeps the moment it was archived.
            if isinstance(change.archived, bool) and change.archived != (
                chat.archived_at is not None
            ):
                fields["archived_at"] = self._clock.now() if change.archived else None
            changed = msgspec.structs.replace(chat, updated_at=self._clock.now(), **fields)
            await uow.chats.save(changed)
            stats = await uow.chats.stats([chat_id])
        return Conversation(chat=changed, stats=stats.get(chat_id, _NO_STATS))

    async def messages_page(
        self,
        user: User,
        chat_id: str,
        *,
        per_page: int,
        cursor: str | None = None,
        before: str | None = None,
    ) -> MessagePage:
        """Oldest first, ``cursor`` onwards; or, with ``before`` (a message id), the
        page just older than it (its ``next_cursor`` then leads forward again)."""
        after = MessageCursor.decode(cursor) if cursor else None
        limit = min(per_page, PER_PAGE_MAX)
        async with self._storage.read() as uow:
            await owned_chat(uow, user, chat_id)
            if before is not None:
                messages = await uow.messages.list_before(chat_id, limit=limit, before_id=before)
                more = bool(messages)
            else:
                messages = await uow.messages.list_after(chat_id, limit=limit + 1, after=after)
                more = len(messages) > limit
                messages = messages[:limit]
        next_cursor = MessageCursor.after(messages[-1]).encode() if more and messages else None
        return MessagePage(items=messages, next_cursor=next_cursor)

    async def delete(self, user: User, chat_id: str) -> None:
        await self._chats.delete(user, chat_id)

    async def pin(self, user: User, chat_id: str) -> Conversation:
        return await self._with_stats(await self._chats.pin(user, chat_id))

    async def unpin(self, user: User, chat_id: str) -> Conversation:
        return await self._with_stats(await self._chats.unpin(user, chat_id))

    async def _with_stats(self, chat: Chat) -> Conversation:
        async with self._storage.read() as uow:
            stats = await uow.chats.stats([chat.id])
        return Conversation(chat=chat, stats=stats.get(chat.id, _NO_STATS))
