"""Messages of a chat: list, add (the first user message names the chat), delete."""

from __future__ import annotations

from typing import Any

import msgspec

from chatport.domain.chats import title_from_text
from chatport.domain.errors import AlreadyExists, Conflict, Forbidden, NotFound
from chatport.domain.messages import Message, MessageRole, MessageStatus, check_content
from chatport.domain.users import User
from chatport.ports.clock import Clock, IdGenerator
from chatport.ports.repositories import Storage, UnitOfWork
from chatport.services.chats import check_client_id, owned_chat


class NewMessage(msgspec.Struct, frozen=True, kw_only=True):
    role: MessageRole
    content: str
    id: str | None = None
    model: str | None = None
    file_ids: tuple[str, ...] | None = None
    metadata: dict[str, Any] | None = None


class MessageService:
    """Rules: messages live in one of the user's chats; adding one makes the chat
    the most recently updated; a chat with no title takes one from its first user
    message, at once."""

    def __init__(self, storage: Storage, clock: Clock, ids: IdGenerator) -> None:
        self._storage = storage
        self._clock = clock
        self._ids = ids

    async def list_messages(
        self, user: User, chat_id: str, *, limit: int, offset: int
    ) -> list[Message]:
        async with self._storage.read() as uow:
            await owned_chat(uow, user, chat_id)
            return await uow.messages.list_page(chat_id, limit=limit, offset=offset)

    async def add(self, user: User, chat_id: str, new: NewMessage) -> Message:
        check_content(new.content)
        now = self._clock.now()
        message = Message(
            id=check_client_id(new.id, "id") if new.id else self._ids.new_id(),
            chat_id=chat_id,
            role=new.role,
            content=new.content,
            model=new.model,
            file_ids=new.file_ids,
            metadata=new.metadata,
            created_at=now,
        )
        async with self._storage.write() as uow:
            chat = await owned_chat(uow, user, chat_id)
            if new.file_ids:
                wanted = set(new.file_ids)
                if len(await uow.files.get_many(user.id, list(wanted))) != len(wanted):
                    raise Forbidden("Invalid attachments")
            try:
                await uow.messages.add(message)
            except AlreadyExists as exc:
                raise Conflict("A message with this id already exists") from exc
            title = chat.title
            if not title and new.role is MessageRole.USER:
                title = title_from_text(new.content)
            await uow.chats.save(msgspec.structs.replace(chat, title=title, updated_at=now))
        return message

    async def delete(self, user: User, chat_id: str, message_id: str) -> None:
        async with self._storage.write() as uow:
            await owned_chat(uow, user, chat_id)
            await _delete(uow, await uow.messages.get(chat_id, message_id))

    async def delete_by_id(self, user: User, message_id: str) -> None:
        """Delete a message known by its id alone (v1's ``DELETE /messages/{id}``)."""
        async with self._storage.write() as uow:
            await _delete(uow, await uow.messages.find(user.id, message_id))


async def _delete(uow: UnitOfWork, message: Message | None) -> None:
    if message is None:
        raise NotFound("Message not found")
    if message.status is MessageStatus.STREAMING:
        raise Conflict("This reply is still being written; stop it first")
    await uow.messages.delete(message.chat_id, message.id)
