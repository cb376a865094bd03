"""Shared fixtures: where the real Postgres and Redis are, and a clock tests can move.

Under ``CI=true`` a missing Postgres or Redis fails the run; elsewhere the suites
that need one skip, saying why.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlparse

import pytest

from tests.support import ManualClock

PG_URL = os.environ.get("CHATPORT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CHATPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def _require(url: str, default_port: int, what: str) -> None:
    if _reachable(url, default_port):
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but {url} is unreachable")
    pytest.skip(f"{what} unreachable at {url}; start it to run these tests")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    _require(PG_URL, 5432, "PostgreSQL")
    return PG_URL


@pytest.fixture
async def postgres_schema(postgres_url: str) -> AsyncIterator[str]:
    """A fresh, empty schema of its own for one test, dropped afterwards."""
    import asyncpg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    yield schema
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def redis_url() -> str:
    _require(REDIS_URL, 6379, "Redis")
    return REDIS_URL


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of its own for one test, so parallel runs never collide."""
    return f"chatport-test:{uuid.uuid4().hex}:"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
