"""``/api/folders``: a user's folders, a folder's chats, moving chats between them."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post, put
from litestar.di import Provide
from litestar.params import FromPath, JSONBody

from chatport.domain.folders import NAME_MAX
from chatport.http.auth import AuthUser, current_user, services_of
from chatport.http.web.shapes import (
    ChatEnvelope,
    FolderChats,
    FolderEnvelope,
    FolderList,
    Success,
    chat_out,
    folder_chat_out,
    folder_out,
)
from chatport.services.folders import FolderChanges

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=NAME_MAX)]
Color = Annotated[str, msgspec.Meta(pattern=r"^#[0-9A-Fa-f]{6}$")]
Position = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
UNFILED = "none"


class CreateFolderBody(msgspec.Struct, frozen=True, kw_only=True):
    name: Name
    color: Color | None = None
    position: Position | None = None


class UpdateFolderBody(msgspec.Struct, frozen=True, kw_only=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    color: Color | msgspec.UnsetType | None = msgspec.UNSET
    position: Position | msgspec.UnsetType = msgspec.UNSET
    is_collapsed: bool | msgspec.UnsetType = msgspec.UNSET


class FolderController(Controller):
    path = "/api/folders"
    tags = ["folders"]
    dependencies = {"user": Provide(current_user)}

    @get("/")
    async def list_folders(self, request: Request[Any, Any, Any], user: AuthUser) -> FolderList:
        folders = await services_of(request).folders.list_folders(user)
        return FolderList(folders=[folder_out(f) for f in folders])

    @post("/", status_code=201)
    async def create_folder(
        self, request: Request[Any, Any, Any], user: AuthUser, data: JSONBody[CreateFolderBody]
    ) -> FolderEnvelope:
        folder = await services_of(request).folders.create(
            user, data.name, data.color, data.position
        )
        return FolderEnvelope(folder=folder_out(folder))

    @get("/{folder_id:str}")
    async def get_folder(
        self, request: Request[Any, Any, Any], user: AuthUser, folder_id: FromPath[str]
    ) -> FolderEnvelope:
        return FolderEnvelope(
            folder=folder_out(await services_of(request).folders.get(user, folder_id))
        )

    @put("/{folder_id:str}")
    async def update_folder(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        folder_id: FromPath[str],
        data: JSONBody[UpdateFolderBody],
    ) -> FolderEnvelope:
        changes = FolderChanges(
            name=data.name, color=data.color, position=data.position, is_collapsed=data.is_collapsed
        )
        folder = await services_of(request).folders.update(user, folder_id, changes)
        return FolderEnvelope(folder=folder_out(folder))

    @post("/{folder_id:str}/toggle", status_code=200)
    async def toggle_folder(
        self, request: Request[Any, Any, Any], user: AuthUser, folder_id: FromPath[str]
    ) -> FolderEnvelope:
        folder = await services_of(request).folders.toggle(user, folder_id)
        return FolderEnvelope(folder=folder_out(folder))

    @delete("/{folder_id:str}", status_code=200)
    async def delete_folder(
        self, request: Request[Any, Any, Any], user: AuthUser, folder_id: FromPath[str]
    ) -> Success:
        """The folder's chats stay, with no folder."""
        await services_of(request).folders.delete(user, folder_id)
        return Success()

    @get("/{folder_id:str}/chats")
    async def folder_chats(
        self, request: Request[Any, Any, Any], user: AuthUser, folder_id: FromPath[str]
    ) -> FolderChats:
        chats = await services_of(request).folders.chats(user, folder_id)
        return FolderChats(chats=[folder_chat_out(c) for c in chats])

    @put("/{folder_id:str}/chats/{chat_id:str}")
    async def move_chat(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        folder_id: FromPath[str],
        chat_id: FromPath[str],
    ) -> ChatEnvelope:
        """Put the chat in the folder; ``none`` as the folder takes it out."""
        target = None if folder_id == UNFILED else folder_id
        chat = await services_of(request).folders.move_chat(user, chat_id, target)
        return ChatEnvelope(chat=chat_out(chat))
