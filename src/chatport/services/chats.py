"""Chats: create, read, rename, pin, archive, memory toggle and soft delete."""

from __future__ import annotations

import uuid

import msgspec

from chatport.domain.chats import (
    Chat,
    SearchResult,
    check_search_query,
    check_system_prompt,
    check_title,
    search_result,
)
from chatport.domain.errors import AlreadyExists, Conflict, FieldProblem, InvalidInput, NotFound
from chatport.domain.users import User
from chatport.ports.clock import Clock, IdGenerator
from chatport.ports.repositories import Storage, UnitOfWork

CHAT_NOT_FOUND = "Chat not found"


class ChatService:
    """Rules: a user sees and changes only their own chats (another's is NotFound);
    deleted chats are gone for every use case but the admin's purge; a client may
    choose a chat's id (a UUID) when it creates one."""

    def __init__(self, storage: Storage, clock: Clock, ids: IdGenerator) -> None:
        self._storage = storage
        self._clock = clock
        self._ids = ids

    async def list_chats(
        self, user: User, *, archived: bool, limit: int, offset: int
    ) -> list[Chat]:
        async with self._storage.read() as uow:
            return await uow.chats.list_page(user.id, archived=archived, limit=limit, offset=offset)

    async def search(self, user: User, query: str, *, limit: int) -> list[SearchResult]:
        """The user's chats whose title or messages contain ``query``, each with a
        snippet of where it matched."""
        text = check_search_query(query)
        async with self._storage.read() as uow:
            hits = await uow.chats.search(user.id, text, limit=limit)
        return [search_result(hit, text) for hit in hits]

    async def create(
        self,
        user: User,
        *,
        chat_id: str | None = None,
        title: str | None = None,
        folder_id: str | None = None,
    ) -> Chat:
        now = self._clock.now()
        chat = Chat(
            id=check_client_id(chat_id, "id") if chat_id else self._ids.new_id(),
            user_id=user.id,
            title=check_title(title),
            folder_id=folder_id,
            created_at=now,
            updated_at=now,
        )
        async with self._storage.write() as uow:
            if folder_id is not None and await uow.folders.get(user.id, folder_id) is None:
                raise NotFound("Folder not found")
            try:
                await uow.chats.add(chat)
            except AlreadyExists as exc:
                raise Conflict("A chat with this id already exists") from exc
        return chat

    async def get(self, user: User, chat_id: str) -> Chat:
        async with self._storage.read() as uow:
            return await owned_chat(uow, user, chat_id)

    async def update(
        self,
        user: User,
        chat_id: str,
        *,
        title: str | msgspec.UnsetType | None = msgspec.UNSET,
        system_prompt: str | msgspec.UnsetType | None = msgspec.UNSET,
    ) -> Chat:
        """Rename the chat and set its system prompt (given to the model before the
        history); what is UNSET stays."""
        changes: dict[str, object] = {}
        if not isinstance(title, msgspec.UnsetType):
            changes["title"] = check_title(title)
        if not isinstance(system_prompt, msgspec.UnsetType):
            changes["system_prompt"] = check_system_prompt(system_prompt)
        return await self._change(user, chat_id, **changes)

    async def delete(self, user: User, chat_id: str) -> None:
        await self._change(user, chat_id, deleted_at=self._clock.now())

    async def pin(self, user: User, chat_id: str) -> Chat:
        return await self._change(user, chat_id, pinned_at=self._clock.now())

    async def unpin(self, user: User, chat_id: str) -> Chat:
        return await self._change(user, chat_id, pinned_at=None)

    async def archive(self, user: User, chat_id: str) -> Chat:
        return await self._change(user, chat_id, archived_at=self._clock.now())

    async def unarchive(self, user: User, chat_id: str) -> Chat:
        return await self._change(user, chat_id, archived_at=None)

    async def set_memory_disabled(self, user: User, chat_id: str, disabled: bool) -> Chat:
        return await self._change(user, chat_id, memory_disabled=disabled)

    async def _change(self, user: User, chat_id: str, **changes: object) -> Chat:
        async with self._storage.write() as uow:
            chat = await owned_chat(uow, user, chat_id)
            changed = msgspec.structs.replace(chat, updated_at=self._clock.now(), **changes)
            await uow.chats.save(changed)
        return changed


async def owned_chat(uow: UnitOfWork, user: User, chat_id: str) -> Chat:
    chat = await uow.chats.get(user.id, chat_id)
    if chat is None:
        raise NotFound(CHAT_NOT_FOUND)
    return chat


def check_client_id(value: str, field: str) -> str:
    """A client-chosen id must be a UUID; it is kept in canonical form."""
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise InvalidInput(
            "Invalid input", (FieldProblem("invalid_string", "Must be a UUID", (field,)),)
        ) from exc
