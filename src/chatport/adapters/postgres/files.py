"""The files repository on Postgres."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from chatport.adapters.postgres.rows import Row, changed_count
from chatport.domain.errors import AlreadyExists
from chatport.domain.file_records import StoredFile

_ADD = """
INSERT INTO files (id, user_id, filename, size, mime_type, sha256, storage_key, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING
"""
_GET = """
SELECT id, user_id, filename, size, mime_type, sha256, storage_key, created_at
FROM files WHERE id = $1 AND user_id = $2
"""
_OF_USER = """
SELECT id, user_id, filename, size, mime_type, sha256, storage_key, created_at
FROM files WHERE user_id = $1
ORDER BY created_at DESC, id DESC
"""
_MANY = """
SELECT id, user_id, filename, size, mime_type, sha256, storage_key, created_at
FROM files WHERE user_id = $1 AND id = ANY($2::text[])
"""
_STORED_BYTES = """
SELECT coalesce(sum(size), 0) FROM (
    SELECT storage_key, max(size) AS size FROM files WHERE user_id = $1 GROUP BY storage_key
) AS blobs
"""
# Transaction-scoped: released at commit or rollback. Keys hash to a bigint; two
# blobs sharing a lock now and then only wait for each other.
_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('chatport:blob:' || $1, 0))"


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
        created_at=created_at,
    )


class PostgresFileRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, file: StoredFile) -> None:
        status = await self._conn.execute(
            _ADD,
            file.id,
            file.user_id,
            file.filename,
            file.size,
            file.mime_type,
            file.sha256,
            file.storage_key,
            file.created_at,
        )
        if changed_count(status) == 0:
            raise AlreadyExists("A file with this id already exists")

    async def get(self, user_id: int, file_id: str) -> StoredFile | None:
        row = await self._conn.fetchrow(_GET, file_id, user_id)
        return None if row is None else _file(row)

    async def list_for_user(self, user_id: int) -> list[StoredFile]:
        return [_file(row) for row in await self._conn.fetch(_OF_USER, user_id)]

    async def get_many(self, user_id: int, file_ids: Sequence[str]) -> list[StoredFile]:
        if not file_ids:
            return []
        return [_file(row) for row in await self._conn.fetch(_MANY, user_id, list(file_ids))]

    async def delete(self, user_id: int, file_id: str) -> bool:
        status = await self._conn.execute(
            "DELETE FROM files WHERE id = $1 AND user_id = $2", file_id, user_id
        )
        return changed_count(status) > 0

    async def count_blob_refs(self, storage_key: str) -> int:
        sql = "SELECT count(*) FROM files WHERE storage_key = $1"
        return int(await self._conn.fetchval(sql, storage_key))

    async def stored_bytes(self, user_id: int) -> int:
        return int(await self._conn.fetchval(_STORED_BYTES, user_id))

    async def lock_blob(self, storage_key: str) -> None:
        await self._conn.execute(_LOCK, storage_key)
