"""PostgreSQL storage: an asyncpg pool, one connection and one transaction per block.

Every pooled connection gets a jsonb codec (msgspec) and, when a schema is named,
a ``search_path`` of that schema, both set as it opens, so no block pays for them.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import asyncpg
import msgspec

from chatport.adapters.migrations import load_migrations, pending
from chatport.adapters.postgres.repositories import PostgresUnitOfWork
from chatport.domain.errors import AlreadyExists, StorageUnavailable
from chatport.ports.repositories import UnitOfWork

# Errors that mean the server is gone, going, refusing or full: the statement was
# fine, the database cannot take it now.
_UNAVAILABLE: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InvalidCatalogNameError,
)
# Opening a connection also fails with these when the host cannot be reached. They
# are only read as "unavailable" there: anything else in a block may raise them too.
_UNREACHABLE: tuple[type[Exception], ...] = (OSError, TimeoutError, *_UNAVAILABLE)

_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text        PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@contextmanager
def _domain_errors(unavailable: tuple[type[Exception], ...] = _UNAVAILABLE) -> Iterator[None]:
    """Turn driver errors that have a domain meaning into domain errors; others pass."""
    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        raise AlreadyExists("A unique key is already taken") from exc
    except unavailable as exc:
        raise StorageUnavailable(f"The PostgreSQL database cannot be used: {exc}") from exc


def _encode_jsonb(value: Any) -> bytes:
    # Binary jsonb is a version byte (1) then the JSON text; it spares a UTF-8
    # decode and re-encode of every document.
    return b"\x01" + msgspec.json.encode(value)


def _decode_jsonb(data: bytes) -> Any:
    return msgspec.json.decode(data[1:])


async def _set_up_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", encoder=_encode_jsonb, decoder=_decode_jsonb, format="binary"
    )


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lock_key(schema: str) -> int:
    """The advisory lock key that serialises migrations of one schema (a signed bigint)."""
    digest = hashlib.blake2b(f"chatport.migrate:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresStorage:
    """The ``Storage`` port on a PostgreSQL database.

    ``write()`` runs the block in a READ COMMITTED transaction on one pool
    connection: concurrent writers do not wait for each other, as they do on
    SQLite, and unique indexes (not earlier reads) are what stop duplicates.
    ``read()`` runs the block in a READ ONLY, REPEATABLE READ transaction, so every
    query of the block sees the same snapshot, as on SQLite.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        """Use ``open()``; this takes a pool already set up."""
        self._pool = pool
        self._closed = False

    @classmethod
    async def open(
        cls, dsn: str, *, schema: str | None = None, min_size: int = 1, max_size: int = 10
    ) -> PostgresStorage:
        """Connect a pool (``min_size`` connections at once, so a bad DSN fails here).

        With ``schema``, every connection's ``search_path`` is that schema alone; it
        must exist. Applies no migrations (see ``migrate()``). Raises
        ``StorageUnavailable`` when the server cannot be reached.
        """
        settings = {"search_path": _quote_identifier(schema)} if schema else None
        with _domain_errors(_UNREACHABLE):
            pool = await asyncpg.create_pool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                server_settings=settings,
                init=_set_up_connection,
            )
        return cls(pool)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        # No transaction around reads: BEGIN and COMMIT would be two more round
        # trips, and most read blocks run one query.
        async with self._connection() as conn:
            with _domain_errors():
                yield PostgresUnitOfWork(conn)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[UnitOfWork]:
        async with self._connection() as conn:
            with _domain_errors():
                async with conn.transaction():
                    yield PostgresUnitOfWork(conn)

    async def ping(self) -> None:
        async with self._connection() as conn:
            with _domain_errors():
                await conn.fetchval("SELECT 1")

    async def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded, in order; return their names.

        Each runs in its own transaction together with its row in
        ``schema_migrations``. An advisory lock keyed by the schema is held
        throughout, so instances starting together apply each migration once: the
        later ones wait, then find it recorded.
        """
        done: list[str] = []
        async with self._connection() as conn:
            with _domain_errors():
                key = _lock_key(await self._schema(conn))
                await conn.execute("SELECT pg_advisory_lock($1)", key)
                try:
                    await conn.execute(_SCHEMA_MIGRATIONS)
                    applied = await self._applied(conn)
                    for migration in pending(load_migrations(__package__ or __name__), applied):
                        async with conn.transaction():
                            # No arguments: asyncpg sends the file as one simple query,
                            # which may hold many statements.
                            await conn.execute(migration.sql)
                            await conn.execute(
                                "INSERT INTO schema_migrations (version) VALUES ($1)",
                                migration.name,
                            )
                        done.append(migration.name)
                finally:
                    # Also released with the session, but a pooled session lives on.
                    await conn.execute("SELECT pg_advisory_unlock($1)", key)
        return done

    async def applied_migrations(self) -> list[str]:
        """The names recorded in ``schema_migrations``, in order (none before the first
        ``migrate()``)."""
        async with self._connection() as conn:
            with _domain_errors():
                return sorted(await self._applied(conn))

    async def close(self) -> None:
        """Wait for the connections in use to come back, then close the pool. Idempotent."""
        if self._closed:
            return
        self._closed = True
        await self._pool.close()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        if self._closed:
            raise StorageUnavailable("The PostgreSQL storage is closed")
        # Acquiring may open a new connection: that is where "unreachable" shows.
        with _domain_errors(_UNREACHABLE):
            conn = await self._pool.acquire()
        try:
            yield conn
        finally:
            await self._pool.release(conn)

    @staticmethod
    async def _schema(conn: Any) -> str:
        schema: str | None = await conn.fetchval("SELECT current_schema()")
        if schema is None:
            raise RuntimeError("No schema of the search_path exists; create it first")
        return schema

    @staticmethod
    async def _applied(conn: Any) -> set[str]:
        if await conn.fetchval("SELECT to_regclass('schema_migrations')") is None:
            return set()
        return {row[0] for row in await conn.fetch("SELECT version FROM schema_migrations")}
