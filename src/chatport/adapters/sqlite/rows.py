"""How the SQLite repositories store values and run statements.

Storage forms: times are INTEGER epoch milliseconds (UTC), booleans 0/1, tuples
and dicts JSON text. Every statement is a hop to the connection's thread, so each
helper runs exactly one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite
import msgspec

from chatport.domain.users import Role, User

Row = Sequence[Any]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_json = msgspec.json.Encoder()


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime (a naive one raises TypeError)."""
    return (moment - _EPOCH) // _MILLISECOND


def from_ms(ms: int) -> datetime:
    """The aware UTC datetime of epoch milliseconds."""
    return _EPOCH + timedelta(milliseconds=ms)


def ms_or_none(moment: datetime | None) -> int | None:
    return None if moment is None else to_ms(moment)


def dt_or_none(ms: int | None) -> datetime | None:
    return None if ms is None else from_ms(ms)


def json_text(value: object) -> str | None:
    return None if value is None else _json.encode(value).decode()


async def select_all(conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> Iterable[Row]:
    return await conn.execute_fetchall(sql, params)


async def select_one(conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> Row | None:
    return next(iter(await conn.execute_fetchall(sql, params)), None)


async def write_count(conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> int:
    """Run a write and return how many rows it changed."""
    cursor = await conn.execute(sql, params)
    return cursor.rowcount


def user_from_row(row: Row) -> User:
    user_id, username, email, name, password_hash, role, disabled_at, created_at = row
    return User(
        id=user_id,
        username=username,
        email=email,
        name=name,
        password_hash=password_hash,
        role=Role(role),
        disabled_at=dt_or_none(disabled_at),
        created_at=from_ms(created_at),
    )
