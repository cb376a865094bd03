"""A ``multipart/form-data`` upload read as it arrives: the file field's bytes go to
the caller chunk by chunk, so memory does not grow with the file.

Litestar's own form parsing spools a whole upload to a temporary file before the
handler runs; the push parser of ``multipart`` (the library Litestar itself uses)
lets the bytes flow straight into the blob store instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from litestar import Request
from multipart import (  # type: ignore[import-untyped]
    MultipartError,
    MultipartSegment,
    PushMultipartParser,
    parse_options_header,
)

from chatport.domain.errors import FieldProblem, InvalidInput

FILE_FIELD = "file"
# A form with an upload has a handful of parts; anything more is not a client of ours.
_MAX_SEGMENTS = 16


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str | None
    chunks: AsyncIterator[bytes]  # the file's bytes; read them once, to the end


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, (FieldProblem("invalid", message, (FILE_FIELD,)),))


async def read_upload(request: Request[Any, Any, Any]) -> Upload:
    """The form's ``file`` part, its bytes still to come. InvalidInput when the
    body is not a form with one."""
    media_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get("boundary")
    if media_type != "multipart/form-data" or not boundary:
        raise _invalid("Send the file as multipart/form-data, in a field named 'file'")
    parser = PushMultipartParser(boundary, max_segment_count=_MAX_SEGMENTS)
    body = aiter(request.stream())
    pending: list[bytes | MultipartSegment | None] = []
    try:
        async for chunk in body:
            pending.extend(parser.parse(chunk))
            while pending:
                event = pending.pop(0)
                if isinstance(event, MultipartSegment) and event.name == FILE_FIELD:
                    if not event.filename:
                        raise _invalid("The 'file' field holds no file")
                    return Upload(
                        filename=event.filename,
                        content_type=event.content_type,
                        chunks=_file_bytes(parser, body, pending),
                    )
        pending.extend(parser.parse(b""))
    except MultipartError as exc:
        raise _invalid(f"The form could not be read: {exc}") from exc
    raise _invalid("The form has no 'file' field")


async def _file_bytes(
    parser: PushMultipartParser,
    body: AsyncIterator[bytes],
    pending: list[bytes | MultipartSegment | None],
) -> AsyncIterator[bytes]:
    """The file part's bytes: what the parser already holds, then the rest of the
    body, up to the part's end (the parts after it are not read)."""
    try:
        while True:
            while pending:
                event = pending.pop(0)
                if event is None:
                    return
                if isinstance(event, bytes):
                    yield event
            chunk = await anext(body, b"")
            pending.extend(parser.parse(chunk))
            if not chunk and not pending:
                raise _invalid("The upload ended before the file did")
    except MultipartError as exc:
        raise _invalid(f"The form could not be read: {exc}") from exc
