"""Migrations: the runner of each engine, and the shared loader of migration files."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import uuid
from typing import TYPE_CHECKING

import asyncpg
import pytest

from chatport.adapters.migrations import Migration, load_migrations, pending
from chatport.adapters.sqlite.storage import split_statements
from chatport.domain.messages import MessageStatus
from chatport.services.runs import INTERRUPTED

if TYPE_CHECKING:
    from pathlib import Path

    from tests.contract.conftest import AnyStorage, Opener

SQLITE = "chatport.adapters.sqlite"
POSTGRES = "chatport.adapters.postgres"


def _shipped(storage: AnyStorage) -> list[Migration]:
    return load_migrations(type(storage).__module__.rpartition(".")[0])


async def test_an_empty_database_gets_every_migration_once(empty_storage: AnyStorage) -> None:
    names = [migration.name for migration in _shipped(empty_storage)]

    assert await empty_storage.applied_migrations() == []
    assert await empty_storage.migrate() == names
    assert await empty_storage.migrate() == []
    assert await empty_storage.applied_migrations() == names


async def test_instances_migrating_together_apply_each_migration_once(
    open_storage: Opener,
) -> None:
    instances = [await open_storage() for _ in range(3)]

    results = await asyncio.gather(*(instance.migrate() for instance in instances))

    names = [migration.name for migration in _shipped(instances[0])]
    assert sorted(name for result in results for name in result) == names
    assert await instances[0].applied_migrations() == names


async def test_a_failing_migration_leaves_nothing_and_is_not_recorded(
    empty_storage: AnyStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = _shipped(empty_storage)
    runner = sys.modules[type(empty_storage).__module__]
    broken = Migration(
        name="9999_broken", sql="CREATE TABLE extra (x integer);\nSELECT no_such_fn();"
    )
    fixed = Migration(name="9999_broken", sql="CREATE TABLE extra (x integer);")

    monkeypatch.setattr(runner, "load_migrations", lambda *_: [*shipped, broken])
    with pytest.raises((sqlite3.Error, asyncpg.PostgresError)):
        await empty_storage.migrate()
    assert await empty_storage.applied_migrations() == [m.name for m in shipped]

    # Had the failed run left "extra" behind, creating it again would fail.
    monkeypatch.setattr(runner, "load_migrations", lambda *_: [*shipped, fixed])
    assert await empty_storage.migrate() == ["9999_broken"]


# Rows as 0001 left them, in each dialect's forms: a chat with two replies still
# "streaming" (0001 did not stop that) and a finished message.
_ROWS_OF_0001 = {
    SQLITE: """
    INSERT INTO users (username, password_hash, role, created_at)
    VALUES ('alice', 'h', 'member', 0);
    INSERT INTO chats (id, user_id, created_at, updated_at) SELECT 'c', id, 0, 0 FROM users;
    INSERT INTO messages (id, chat_id, role, content, status, error, created_at) VALUES
        ('m1', 'c', 'user', 'Hi', 'complete', NULL, 0),
        ('m2', 'c', 'assistant', 'Hal', 'streaming', NULL, 1),
        ('m3', 'c', 'assistant', '', 'streaming', 'Earlier', 2);
    """,
    POSTGRES: """
    INSERT INTO users (username, password_hash, role, created_at)
    VALUES ('alice', 'h', 'member', to_timestamp(0));
    INSERT INTO chats (id, user_id, created_at, updated_at)
    SELECT 'c', id, to_timestamp(0), to_timestamp(0) FROM users;
    INSERT INTO messages (id, chat_id, role, content, status, error, created_at) VALUES
        ('m1', 'c', 'user', 'Hi', 'complete', NULL, to_timestamp(0)),
        ('m2', 'c', 'assistant', 'Hal', 'streaming', NULL, to_timestamp(0.001)),
        ('m3', 'c', 'assistant', '', 'streaming', 'Earlier', to_timestamp(0.002));
    """,
}


async def test_0002_ends_the_replies_0001_left_streaming(
    empty_storage: AnyStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = type(empty_storage).__module__.rpartition(".")[0]
    first, *later = _shipped(empty_storage)
    runner = sys.modules[type(empty_storage).__module__]
    rows = Migration(name="0001_rows", sql=_ROWS_OF_0001[package])

    monkeypatch.setattr(runner, "load_migrations", lambda *_: [first, rows, *later])
    await empty_storage.migrate()

    async with empty_storage.read() as uow:
        messages = await uow.messages.list_page("c", limit=10, offset=0)
        assert await uow.messages.streaming_in_chat("c") is None
    assert [(m.id, m.content, m.status, m.error) for m in messages] == [
        ("m1", "Hi", MessageStatus.COMPLETE, None),
        ("m2", "Hal", MessageStatus.FAILED, INTERRUPTED),
        ("m3", "", MessageStatus.FAILED, "Earlier"),
    ]
    assert all(m.updated_at is None for m in messages)


def test_both_dialects_ship_the_same_migrations() -> None:
    sqlite_names = [migration.name for migration in load_migrations(SQLITE)]

    assert sqlite_names == [migration.name for migration in load_migrations(POSTGRES)]
    assert sqlite_names[:4] == [
        "0001_initial",
        "0002_generations",
        "0003_access_tokens",
        "0004_chat_model",
    ]


def _package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> str:
    name = f"migrations_{uuid.uuid4().hex}"
    folder = tmp_path / name / "migrations"
    folder.mkdir(parents=True)
    (tmp_path / name / "__init__.py").write_text("")
    for file_name, text in files.items():
        (folder / file_name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_load_orders_by_number_and_skips_other_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _package(
        tmp_path,
        monkeypatch,
        {
            "0010_tenth.sql": "SELECT 10;",
            "0002_second.sql": "SELECT 2;",
            "0001_first.sql": "SELECT 1;",
            "README.md": "notes",
        },
    )

    assert load_migrations(package) == [
        Migration(name="0001_first", sql="SELECT 1;"),
        Migration(name="0002_second", sql="SELECT 2;"),
        Migration(name="0010_tenth", sql="SELECT 10;"),
    ]


@pytest.mark.parametrize(
    "files",
    [
        {"1_short.sql": ""},
        {"0001-dash.sql": ""},
        {"0001_Upper.sql": ""},
        {"0001_a.sql": "", "0001_b.sql": ""},
    ],
    ids=["short-number", "dash", "upper-case", "number-twice"],
)
def test_load_refuses_a_misnamed_or_duplicate_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]
) -> None:
    package = _package(tmp_path, monkeypatch, files)

    with pytest.raises(ValueError, match=r"not named NNNN_name\.sql|share number"):
        load_migrations(package)


def test_pending_keeps_the_order_and_drops_the_applied() -> None:
    first, second, third = (Migration(name=f"000{n}_m", sql="") for n in (1, 2, 3))

    assert pending([first, second, third], {"0002_m"}) == [first, third]


def test_sqlite_split_respects_strings_comments_and_triggers() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE t (x TEXT DEFAULT 'a;b');
    CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN
        UPDATE t SET x = 'c;d';
        SELECT 1;
    END;
    INSERT INTO t VALUES ('e'); SELECT 2;
    -- trailing comment
    """

    statements = split_statements(script)

    assert len(statements) == 4
    assert statements[0].endswith("DEFAULT 'a;b');")
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    assert statements[2:] == ["INSERT INTO t VALUES ('e');", "SELECT 2;"]


def test_sqlite_split_refuses_an_unterminated_statement() -> None:
    with pytest.raises(ValueError, match="Unterminated"):
        split_statements("SELECT 1; SELECT 2")
