"""Folders: a user's groups of chats, and moving chats in and out of them."""

from __future__ import annotations

import msgspec

from chatport.domain.chats import Chat
from chatport.domain.errors import NotFound
from chatport.domain.folders import Folder, check_color, check_folder_name
from chatport.domain.users import User
from chatport.ports.clock import Clock, IdGenerator
from chatport.ports.repositories import Storage, UnitOfWork

FOLDER_NOT_FOUND = "Folder not found"


class FolderChanges(msgspec.Struct, frozen=True, kw_only=True):
    """Fields to change; UNSET leaves a field as it is (null is a value for color)."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    color: str | msgspec.UnsetType | None = msgspec.UNSET
    position: int | msgspec.UnsetType = msgspec.UNSET
    is_collapsed: bool | msgspec.UnsetType = msgspec.UNSET


class FolderService:
    """Rules: names 1 to 50 characters, colours #RRGGBB or none; a new folder goes
    last unless given a position; deleting a folder keeps its chats, unfiled."""

    def __init__(self, storage: Storage, clock: Clock, ids: IdGenerator) -> None:
        self._storage = storage
        self._clock = clock
        self._ids = ids

    async def list_folders(self, user: User) -> list[Folder]:
        async with self._storage.read() as uow:
            return await uow.folders.list_all(user.id)

    async def get(self, user: User, folder_id: str) -> Folder:
        async with self._storage.read() as uow:
            return await _owned(uow, user, folder_id)

    async def chats(self, user: User, folder_id: str) -> list[Chat]:
        async with self._storage.read() as uow:
            await _owned(uow, user, folder_id)
            return await uow.chats.list_in_folder(user.id, folder_id)

    async def create(
        self, user: User, name: str, color: str | None, position: int | None
    ) -> Folder:
        name = check_folder_name(name)
        color = check_color(color)
        now = self._clock.now()
        async with self._storage.write() as uow:
            if position is None:
                position = await uow.folders.next_position(user.id)
            folder = Folder(
                id=self._ids.new_id(),
                user_id=user.id,
                name=name,
                color=color,
                position=position,
                is_collapsed=False,
                created_at=now,
                updated_at=now,
            )
            await uow.folders.add(folder)
        return folder

    async def update(self, user: User, folder_id: str, changes: FolderChanges) -> Folder:
        fields: dict[str, object] = {}
        if changes.name is not msgspec.UNSET:
            fields["name"] = check_folder_name(changes.name)
        if changes.color is not msgspec.UNSET:
            fields["color"] = check_color(changes.color)
        if changes.position is not msgspec.UNSET:
            fields["position"] = changes.position
        if changes.is_collapsed is not msgspec.UNSET:
            fields["is_collapsed"] = changes.is_collapsed
        async with self._storage.write() as uow:
            folder = await _owned(uow, user, folder_id)
            changed = msgspec.structs.replace(folder, updated_at=self._clock.now(), **fields)
            await uow.folders.save(changed)
        return changed

    async def toggle(self, user: User, folder_id: str) -> Folder:
        async with self._storage.write() as uow:
            folder = await _owned(uow, user, folder_id)
            changed = msgspec.structs.replace(
                folder, is_collapsed=not folder.is_collapsed, updated_at=self._clock.now()
            )
            await uow.folders.save(changed)
        return changed

    async def delete(self, user: User, folder_id: str) -> None:
        async with self._storage.write() as uow:
            if not await uow.folders.delete(user.id, folder_id):
                raise NotFound(FOLDER_NOT_FOUND)

    async def move_chat(self, user: User, chat_id: str, folder_id: str | None) -> Chat:
        """Put a chat in a folder, or take it out with ``folder_id=None``."""
        async with self._storage.write() as uow:
            chat = await uow.chats.get(user.id, chat_id)
            folder_ok = folder_id is None or await uow.folders.get(user.id, folder_id)
            if chat is None or not folder_ok:
                raise NotFound("Chat or folder not found")
            moved = msgspec.structs.replace(chat, folder_id=folder_id, updated_at=self._clock.now())
            await uow.chats.save(moved)
        return moved


async def _owned(uow: UnitOfWork, user: User, folder_id: str) -> Folder:
    folder = await uow.folders.get(user.id, folder_id)
    if folder is None:
        raise NotFound(FOLDER_NOT_FOUND)
    return folder
