"""The files repository on SQLite (one statement per method; times as epoch ms)."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from chatport.adapters.sqlite.rows import (
    Row,
    from_ms,
    json_text,
    select_all,
    select_one,
    to_ms,
    write_count,
)
from chatport.domain.errors import AlreadyExists
from chatport.domain.file_records import StoredFile

_ADD = """
INSERT INTO files (id, user_id, filename, size, mime_type, sha256, storage_key, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
"""
_GET = """
SELECT id, user_id, filename, size, mime_type, sha256, storage_key, created_at
FROM files WHERE id = ? AND user_id = ?
"""
_OF_USER = """
SELECT id, user_id, filename, size, mime_type, sha256, storage_key, created_at
FROM files WHERE user_id = ?
ORDER BY created_at DESC, id DESC
"""
# The ids come as one JSON array: one statement whatever their number.
_MANY = """
SELECT id, user_id, filename, size, mime_type, sha256, storage_key, created_at
FROM files WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))
"""
# A user's blob counts once, whatever the number of files that share it.
_STORED_BYTES = """
SELECT coalesce(sum(size), 0) FROM (
    SELECT storage_key, max(size) AS size FROM files WHERE user_id = ? GROUP BY storage_key
)
"""


def _file(row: Row) -> StoredFile:
    file_id, user_id, filename, size, mime_type, sha256, storage_key, created_at = row
    return StoredFile(
        id=file_id,
        user_id=user_id,
        filename=filename,
        size=size,
        mime_type=mime_type,
        sha256=sha256,
        storage_key=storage_key,
        created_at=from_ms(created_at),
    )


class SqliteFileRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, file: StoredFile) -> None:
        params = (
            file.id,
            file.user_id,
            file.filename,
            file.size,
            file.mime_type,
            file.sha256,
            file.storage_key,
            to_ms(file.created_at),
        )
        if await write_count(self._conn, _ADD, params) == 0:
            raise AlreadyExists("A file with this id already exists")

    async def get(self, user_id: int, file_id: str) -> StoredFile | None:
        row = await select_one(self._conn, _GET, (file_id, user_id))
        return None if row is None else _file(row)

    async def list_for_user(self, user_id: int) -> list[StoredFile]:
        return [_file(row) for row in await select_all(self._conn, _OF_USER, (user_id,))]

    async def get_many(self, user_id: int, file_ids: Sequence[str]) -> list[StoredFile]:
        if not file_ids:
            return []
        params = (user_id, json_text(list(file_ids)))
        return [_file(row) for row in await select_all(self._conn, _MANY, params)]

    async def delete(self, user_id: int, file_id: str) -> bool:
        sql = "DELETE FROM files WHERE id = ? AND user_id = ?"
        return await write_count(self._conn, sql, (file_id, user_id)) > 0

    async def count_blob_refs(self, storage_key: str) -> int:
        sql = "SELECT count(*) FROM files WHERE storage_key = ?"
        row = await select_one(self._conn, sql, (storage_key,))
        return 0 if row is None else int(row[0])

    async def stored_bytes(self, user_id: int) -> int:
        row = await select_one(self._conn, _STORED_BYTES, (user_id,))
        return 0 if row is None else int(row[0])

    async def lock_blob(self, storage_key: str) -> None:
        """Nothing to do: SQLite has one writer, so a write transaction already keeps
        every other one out."""
