"""Uploaded files: stored as they stream in, typed by their bytes, kept once per
user and content, counted against a quota; and the files a message attaches."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec

from chatport.domain.errors import Conflict, Forbidden, NotFound, TooLarge
from chatport.domain.file_records import StoredFile
from chatport.domain.files import SNIFF_BYTES, format_size, sanitize_filename, sniff
from chatport.domain.ratelimit import UPLOADS
from chatport.domain.users import Role, User
from chatport.ports.blobs import BlobStore
from chatport.ports.clock import Clock, IdGenerator
from chatport.ports.ratelimit import RateLimiter
from chatport.ports.repositories import Storage
from chatport.services.limits import refuse_unless

FILE_NOT_FOUND = "File not found"
INVALID_ATTACHMENTS = "Invalid attachments"


class FileLimits(msgspec.Struct, frozen=True, kw_only=True):
    max_bytes: int = 50 * 1024 * 1024  # one file
    quota_bytes: int = 1024 * 1024 * 1024  # all of a user's files
    per_minute: int = UPLOADS.limit


class FileService:
    """Rules: readonly users cannot upload; 10 uploads a minute per user; a file is
    at most ``max_bytes`` and a user's files together at most ``quota_bytes``
    (identical content counted once); the type comes from the bytes, never from
    the name or the declared type alone; a user sees only their own files; a blob
    goes when the last file that refers to it goes."""

    def __init__(
        self,
        storage: Storage,
        blobs: BlobStore,
        limiter: RateLimiter,
        clock: Clock,
        ids: IdGenerator,
        limits: FileLimits | None = None,
    ) -> None:
        self._storage = storage
        self._blobs = blobs
        self._limiter = limiter
        self._clock = clock
        self._ids = ids
        self._limits = limits or FileLimits()
        self._policy = msgspec.structs.replace(UPLOADS, limit=self._limits.per_minute)

    async def upload(
        self, user: User, filename: str, declared: str | None, chunks: AsyncIterator[bytes]
    ) -> StoredFile:
        """Store the file as its bytes arrive; refused before anything is kept when
        its first bytes are no accepted type."""
        if user.role is Role.READONLY:
            raise Forbidden("Read-only accounts cannot upload files")
        refuse_unless(await self._limiter.hit(f"user:{user.id}", self._policy), "uploads")
        name = sanitize_filename(filename)
        head = await _head(chunks, SNIFF_BYTES)
        file_type = sniff(head, name, declared).file_type
        async with self._storage.read() as uow:
            used = await uow.files.stored_bytes(user.id)
        if used >= self._limits.quota_bytes:  # full: not a byte more is read
            raise TooLarge(self._over_quota(used))
        try:
            blob = await self._blobs.put(
                f"u{user.id}", _chain(head, chunks), max_bytes=self._limits.max_bytes
            )
        except TooLarge as exc:
            limit = format_size(self._limits.max_bytes)
            raise TooLarge(f"The file is larger than {limit}") from exc
        stored = StoredFile(
            id=self._ids.new_id(),
            user_id=user.id,
            filename=name,
            size=blob.size,
            mime_type=file_type.mime,
            sha256=blob.sha256,
            storage_key=blob.key,
            created_at=self._clock.now(),
        )
        # The quota is checked once the content is known: bytes the user has stored
        # already take no more room.
        async with self._storage.write() as uow:
            await uow.files.lock_blob(blob.key)
            if await uow.files.count_blob_refs(blob.key) == 0:
                used = await uow.files.stored_bytes(user.id)
                if used + blob.size > self._limits.quota_bytes:
                    await self._blobs.delete(blob.key)
                    raise TooLarge(self._over_quota(used))
            # A delete of the last file of this content may have taken the blob
            # between the put and the lock.
            if await self._blobs.size(blob.key) is None:
                raise Conflict("The upload crossed a delete of the same file; send it again")
            await uow.files.add(stored)
        return stored

    def _over_quota(self, used: int) -> str:
        quota = format_size(self._limits.quota_bytes)
        return f"Your files would pass your storage quota of {quota} ({format_size(used)} used)"

    async def list_files(self, user: User) -> list[StoredFile]:
        async with self._storage.read() as uow:
            return await uow.files.list_for_user(user.id)

    async def get(self, user: User, file_id: str) -> StoredFile:
        async with self._storage.read() as uow:
            found = await uow.files.get(user.id, file_id)
        if found is None:
            raise NotFound(FILE_NOT_FOUND)
        return found

    def read(
        self, file: StoredFile, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """The bytes of a file the caller got from ``get`` (so the user's own)."""
        return self._blobs.read(file.storage_key, start, end)

    async def delete(self, user: User, file_id: str) -> None:
        async with self._storage.write() as uow:
            found = await uow.files.get(user.id, file_id)
            if found is None:
                raise NotFound(FILE_NOT_FOUND)
            await uow.files.lock_blob(found.storage_key)
            await uow.files.delete(user.id, file_id)
            if await uow.files.count_blob_refs(found.storage_key) == 0:
                await self._blobs.delete(found.storage_key)

    async def attachments(self, user: User, file_ids: list[str]) -> list[StoredFile]:
        """The files, in the order given; Forbidden unless every one is the user's."""
        wanted = list(dict.fromkeys(file_ids))
        async with self._storage.read() as uow:
            found = {f.id: f for f in await uow.files.get_many(user.id, wanted)}
        if len(found) != len(wanted):
            raise Forbidden(INVALID_ATTACHMENTS)
        return [found[i] for i in wanted]

    async def find_many(self, user: User, file_ids: list[str]) -> list[StoredFile]:
        """Those of the files that are the user's and still exist."""
        async with self._storage.read() as uow:
            return await uow.files.get_many(user.id, list(dict.fromkeys(file_ids)))

    async def read_head(self, file: StoredFile, limit: int) -> bytes:
        """Up to ``limit`` bytes from the start of the file."""
        if file.size == 0 or limit <= 0:
            return b""
        last = min(file.size, limit) - 1
        return b"".join([chunk async for chunk in self._blobs.read(file.storage_key, 0, last)])


async def _head(chunks: AsyncIterator[bytes], size: int) -> bytes:
    """At least ``size`` bytes from the start (fewer only when the file is shorter)."""
    parts: list[bytes] = []
    taken = 0
    while taken < size:
        chunk = await anext(chunks, None)
        if chunk is None:
            break
        parts.append(chunk)
        taken += len(chunk)
    return b"".join(parts)


async def _chain(head: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if head:
        yield head
    async for chunk in rest:
        yield chunk
