"""A database that cannot be used answers StorageUnavailable, on every SQL engine."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING
from urllib.parse import urlparse, urlunparse

import pytest

from chatport.adapters.postgres import PostgresStorage
from chatport.adapters.sqlite import SqliteStorage
from chatport.domain.errors import StorageUnavailable

if TYPE_CHECKING:
    from pathlib import Path

    from tests.contract.conftest import AnyStorage


async def test_ping_answers_when_the_database_does(storage: AnyStorage) -> None:
    await storage.ping()


async def test_a_closed_storage_is_unavailable(storage: AnyStorage) -> None:
    await storage.close()
    await storage.close()

    with pytest.raises(StorageUnavailable):
        await storage.ping()
    with pytest.raises(StorageUnavailable):
        async with storage.read():
            pass
    with pytest.raises(StorageUnavailable):
        async with storage.write():
            pass


async def test_sqlite_open_creates_the_parent_directory(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "chatport.db"

    storage = await SqliteStorage.open(path, readers=1)
    try:
        await storage.ping()
    finally:
        await storage.close()

    assert path.is_file()


async def test_sqlite_open_of_a_directory_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StorageUnavailable):
        await SqliteStorage.open(tmp_path)


async def test_sqlite_open_under_a_file_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")

    with pytest.raises(StorageUnavailable):
        await SqliteStorage.open(tmp_path / "file" / "chatport.db")


async def test_sqlite_open_of_a_file_that_is_no_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "chatport.db"
    path.write_bytes(b"this is not a database, only some text " * 200)

    with pytest.raises(StorageUnavailable):
        await SqliteStorage.open(path)


async def test_sqlite_needs_a_reader(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="reader"):
        await SqliteStorage.open(tmp_path / "chatport.db", readers=0)


@pytest.mark.postgres
async def test_postgres_open_of_a_port_nobody_listens_on_is_unavailable(
    postgres_url: str,
) -> None:
    # Bound but not listening: connections to it are refused for the whole test.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        url = urlunparse(urlparse(postgres_url)._replace(netloc=f"postgres@127.0.0.1:{port}"))

        with pytest.raises(StorageUnavailable):
            await PostgresStorage.open(url)


@pytest.mark.postgres
async def test_postgres_open_of_a_missing_database_is_unavailable(postgres_url: str) -> None:
    url = urlunparse(urlparse(postgres_url)._replace(path="/chatport_no_such_database"))

    with pytest.raises(StorageUnavailable):
        await PostgresStorage.open(url)
