"""``/api/files``: upload (streamed), list, metadata, content (ranges too), delete.

The content is served so that a hostile upload cannot act as a page of ours: its
type is the sniffed one, ``nosniff`` keeps the browser to it, anything but raster
images and PDF downloads as an attachment, and a sandboxing policy denies it
script and every other resource even when shown inline.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.response import Stream

from chatport.domain.file_records import INLINE_TYPES, StoredFile
from chatport.domain.files import format_size
from chatport.http.auth import AuthUser, current_user, services_of
from chatport.http.errors import web_error
from chatport.http.web.downloads import Unsatisfiable, content_disposition, requested_range
from chatport.http.web.shapes import ms_of
from chatport.http.web.upload import read_upload

_CONTENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


class FileOut(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    filename: str
    size: int
    size_formatted: str
    mime_type: str
    created_at: int
    hash: str | msgspec.UnsetType = msgspec.UNSET


class FileMeta(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    original_name: str
    uploaded_at: int


class FileWithMeta(FileOut, frozen=True, kw_only=True, rename="camel"):
    meta: FileMeta


class FileList(msgspec.Struct, frozen=True, kw_only=True):
    files: list[FileOut]
    total: int


class Deleted(msgspec.Struct, frozen=True, kw_only=True):
    message: str = "File deleted successfully"


def _fields(file: StoredFile) -> dict[str, Any]:
    return {
        "id": file.id,
        "filename": file.filename,
        "size": file.size,
        "size_formatted": format_size(file.size),
        "mime_type": file.mime_type,
        "created_at": ms_of(file.created_at),
    }


def _with_hash(file: StoredFile) -> FileOut:
    return FileOut(**_fields(file), hash=f"sha256:{file.sha256}")


class FileController(Controller):
    path = "/api/files"
    tags = ["files"]
    dependencies = {"user": Provide(current_user)}

    @post("/", status_code=201)
    async def upload(self, request: Request[Any, Any, Any], user: AuthUser) -> FileOut:
        """``multipart/form-data`` with the file in the field ``file``."""
        upload = await read_upload(request)
        stored = await services_of(request).files.upload(
            user, upload.filename, upload.content_type, upload.chunks
        )
        return _with_hash(stored)

    @get("/")
    async def list_files(self, request: Request[Any, Any, Any], user: AuthUser) -> FileList:
        files = await services_of(request).files.list_files(user)
        return FileList(files=[FileOut(**_fields(f)) for f in files], total=len(files))

    @get("/{file_id:str}")
    async def get_file(
        self, request: Request[Any, Any, Any], user: AuthUser, file_id: FromPath[str]
    ) -> FileWithMeta:
        found = await services_of(request).files.get(user, file_id)
        return FileWithMeta(
            **_fields(found),
            hash=f"sha256:{found.sha256}",
            meta=FileMeta(original_name=found.filename, uploaded_at=ms_of(found.created_at)),
        )

    @get("/{file_id:str}/content")
    async def content(
        self, request: Request[Any, Any, Any], user: AuthUser, file_id: FromPath[str]
    ) -> Response[Any]:
        """The bytes; ``Range: bytes=a-b`` answers 206 with that part."""
        files = services_of(request).files
        found = await files.get(user, file_id)
        headers = {
            "content-disposition": content_disposition(
                found.filename, inline=found.mime_type in INLINE_TYPES
            ),
            "content-security-policy": _CONTENT_CSP,
            "accept-ranges": "bytes",
            "cache-control": "private, no-cache",
            "etag": f'"{found.sha256}"',
        }
        try:
            wanted = requested_range(request.headers.get("range"), found.size)
        except Unsatisfiable:
            answer = web_error(416, "The range is outside the file")
            answer.headers["content-range"] = f"bytes */{found.size}"
            return answer
        if wanted is None:
            headers["content-length"] = str(found.size)
            return Stream(files.read(found), media_type=found.mime_type, headers=headers)
        headers["content-length"] = str(wanted.length)
        headers["content-range"] = f"bytes {wanted.start}-{wanted.end}/{found.size}"
        chunks = files.read(found, wanted.start, wanted.end)
        return Stream(chunks, status_code=206, media_type=found.mime_type, headers=headers)

    @delete("/{file_id:str}", status_code=200)
    async def delete_file(
        self, request: Request[Any, Any, Any], user: AuthUser, file_id: FromPath[str]
    ) -> Deleted:
        await services_of(request).files.delete(user, file_id)
        return Deleted()
