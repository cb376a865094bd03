"""SQLite storage: one writer connection behind a lock, a few reader connections.

SQLite lets one transaction write at a time, so writes queue on an asyncio.Lock
in this process instead of spinning on SQLITE_BUSY; WAL lets the readers go on
meanwhile, each read block in its own snapshot. Every connection runs statements
on its own thread (aiosqlite), so the event loop never blocks on the file.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from chatport.adapters.migrations import load_migrations, pending
from chatport.adapters.sqlite.repositories import SqliteUnitOfWork
from chatport.adapters.sqlite.rows import to_ms
from chatport.domain.errors import AlreadyExists, StorageUnavailable
from chatport.ports.repositories import UnitOfWork

# STRICT tables (3.37) and RETURNING (3.35) are used by the schema and queries.
MIN_SQLITE = (3, 37, 0)
_THREAD_STOP_WAIT = 5.0  # seconds; the thread only closes a connection that never opened

# foreign_keys and busy_timeout are per connection, so every connection sets them.
# synchronous=NORMAL is durable across application crashes in WAL mode; only a
# power loss can take the last commits, never the database's consistency.
_COMMON_PRAGMAS = (
    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;"
)
# query_only makes a write inside read() fail at once instead of taking a lock.
_READER_PRAGMAS = _COMMON_PRAGMAS + " PRAGMA query_only = ON;"

_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    TEXT    PRIMARY KEY,
    applied_at INTEGER NOT NULL
) STRICT
"""

# Error names (sqlite3.Error.sqlite_errorname) that mean the file cannot be used
# right now, whatever the statement: missing, unreadable, corrupt, full or locked
# past busy_timeout. Extended names start with these.
_UNAVAILABLE = (
    "SQLITE_CANTOPEN",
    "SQLITE_IOERR",
    "SQLITE_NOTADB",
    "SQLITE_CORRUPT",
    "SQLITE_FULL",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_PROTOCOL",
)
_UNIQUE = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


@contextmanager
def _domain_errors() -> Iterator[None]:
    """Turn driver errors that have a domain meaning into domain errors; others pass."""
    try:
        yield
    except sqlite3.Error as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if name in _UNIQUE:
            raise AlreadyExists("A unique key is already taken") from exc
        if name.startswith(_UNAVAILABLE):
            raise StorageUnavailable(f"The SQLite database cannot be used: {exc}") from exc
        raise


def split_statements(script: str) -> list[str]:
    """The statements of a SQL script, one string each (comments go with the next one).

    ``sqlite3.complete_statement`` decides where a statement ends, so semicolons in
    strings, comments and trigger bodies do not split it. Raises ``ValueError`` when
    text other than ``--`` comments follows the last statement.
    """
    statements: list[str] = []
    buffer = ""
    *pieces, tail = script.split(";")
    for piece in pieces:
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    rest = [line.strip() for line in (buffer + tail).splitlines()]
    if any(line and not line.startswith("--") for line in rest):
        raise ValueError(f"Unterminated SQL statement: {(buffer + tail).strip()[:80]!r}")
    return statements


@asynccontextmanager
async def _transaction(conn: aiosqlite.Connection, begin: str) -> AsyncIterator[None]:
    """Run the block in a transaction: committed at the end, rolled back on any
    exception (cancellation included), driver errors turned into domain ones."""
    with _domain_errors():
        try:
            await conn.execute(begin)
            yield
            await conn.commit()
        except BaseException:
            # A no-op outside a transaction; and aiosqlite queues it on the
            # connection's thread before this task can be cancelled again, so the
            # next block on the connection never finds this one still open.
            await conn.rollback()
            raise


async def _connect(path: Path, pragmas: str, *, wal: bool = False) -> aiosqlite.Connection:
    # isolation_level=None: the sqlite3 module never opens a transaction on its
    # own; every BEGIN is ours.
    conn = aiosqlite.connect(path, isolation_level=None)
    try:
        await conn
    except BaseException:
        # A failed connect makes aiosqlite stop its worker thread without waiting for
        # it; unwaited, the thread may later answer an event loop that is gone.
        await asyncio.to_thread(conn._thread.join, _THREAD_STOP_WAIT)
        raise
    try:
        await conn.executescript(pragmas)
        if wal:
            await _use_wal(conn, path)
    except BaseException:
        await conn.close()
        raise
    return conn


async def _use_wal(conn: aiosqlite.Connection, path: Path) -> None:
    # The mode is stored in the file; a file system that cannot share memory
    # between connections (some network mounts) silently keeps the old one.
    rows = await conn.execute_fetchall("PRAGMA journal_mode = WAL")
    if next(iter(rows))[0] != "wal":
        raise StorageUnavailable(f"{path} cannot use the WAL journal mode")


class SqliteStorage:
    """The ``Storage`` port on one SQLite file.

    ``write()`` holds the writer lock for the whole block and runs it in
    ``BEGIN IMMEDIATE``: the write lock of the file is taken at the start, so a
    block never fails half-way for want of it. ``read()`` borrows a reader
    connection that refuses writes; its statements run in autocommit, each on its
    own snapshot (a read block is not one snapshot on SQLite).

    Blocks do not nest: a ``write()`` inside a ``write()`` would wait for itself.
    """

    def __init__(self, writer: aiosqlite.Connection, readers: list[aiosqlite.Connection]) -> None:
        """Use ``open()``; this takes connections already set up."""
        self._writer = writer
        self._write_lock = asyncio.Lock()
        self._reader_count = len(readers)
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for reader in readers:
            self._readers.put_nowait(reader)
        self._closed = False

    @classmethod
    async def open(cls, path: Path, *, readers: int = 4) -> SqliteStorage:
        """Open (creating if needed) the database file and its parent directory.

        Applies no migrations (see ``migrate()``). Raises ``StorageUnavailable`` when
        the file cannot be opened or set to WAL mode.
        """
        if readers < 1:
            raise ValueError("SQLite storage needs at least one reader connection")
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise RuntimeError(
                f"SQLite {sqlite3.sqlite_version} is too old; 3.37 or newer is needed"
            )
        try:
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"Cannot create {path.parent}: {exc}") from exc
        async with AsyncExitStack() as opened:
            with _domain_errors():
                # The writer comes first: switching to WAL needs no other connection.
                writer = await _connect(path, _COMMON_PRAGMAS, wal=True)
                opened.push_async_callback(writer.close)
                pool: list[aiosqlite.Connection] = []
                for _ in range(readers):
                    reader = await _connect(path, _READER_PRAGMAS)
                    opened.push_async_callback(reader.close)
                    pool.append(reader)
            # Opened whole: the connections now belong to the storage.
            opened.pop_all()
        return cls(writer, pool)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        # No BEGIN/COMMIT around reads: each is a thread hop, and most read blocks
        # run one query. Each statement still reads one consistent snapshot.
        async with self._reader() as conn:
            with _domain_errors():
                yield SqliteUnitOfWork(conn)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[UnitOfWork]:
        self._check_open()
        async with self._write_lock:
            self._check_open()
            async with _transaction(self._writer, "BEGIN IMMEDIATE"):
                yield SqliteUnitOfWork(self._writer)

    async def ping(self) -> None:
        """Read the schema table: it proves the file is there and is a database."""
        async with self._reader() as conn:
            with _domain_errors():
                await conn.execute_fetchall("SELECT count(*) FROM sqlite_schema")

    async def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded, in order; return their names.

        Each runs in its own ``BEGIN IMMEDIATE`` transaction together with its row in
        ``schema_migrations``, so a failed one leaves nothing behind. The record is
        read again inside that transaction: another process migrating the same
        file at once makes this one skip what it applied. Foreign keys stay on; a
        migration that rebuilds a table must keep references valid.
        """
        self._check_open()
        done: list[str] = []
        async with self._write_lock:
            conn = self._writer
            with _domain_errors():
                await conn.execute(_SCHEMA_MIGRATIONS)
                applied = await self._applied(conn)
                for migration in pending(load_migrations(__package__ or __name__), applied):
                    statements = split_statements(migration.sql)
                    async with _transaction(conn, "BEGIN IMMEDIATE"):
                        if migration.name in await self._applied(conn):
                            continue
                        for statement in statements:
                            await conn.execute(statement)
                        await conn.execute(
                            "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                            (migration.name, to_ms(datetime.now(UTC))),
                        )
                    done.append(migration.name)
        return done

    async def applied_migrations(self) -> list[str]:
        """The names recorded in ``schema_migrations``, in order (none before the first
        ``migrate()``)."""
        async with self._reader() as conn:
            with _domain_errors():
                return sorted(await self._applied(conn))

    async def close(self) -> None:
        """Wait for the blocks in progress, then close every connection. Idempotent."""
        if self._closed:
            return
        self._closed = True
        async with self._write_lock:
            await self._writer.close()
        for _ in range(self._reader_count):
            reader = await self._readers.get()
            await reader.close()

    @staticmethod
    async def _applied(conn: aiosqlite.Connection) -> set[str]:
        exists = await conn.execute_fetchall(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'"
        )
        if not list(exists):
            return set()
        rows = await conn.execute_fetchall("SELECT version FROM schema_migrations")
        return {row[0] for row in rows}

    @asynccontextmanager
    async def _reader(self) -> AsyncIterator[aiosqlite.Connection]:
        self._check_open()
        conn = await self._readers.get()
        try:
            yield conn
        finally:
            self._readers.put_nowait(conn)

    def _check_open(self) -> None:
        if self._closed:
            raise StorageUnavailable("The SQLite storage is closed")
