"""The web API over the real app: SQLite in a temporary folder, real adapters,
argon2 with cheap parameters (the real ones are the hasher's own tests' business)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from chatport.adapters.security.passwords import Argon2PasswordHasher
from chatport.bootstrap import build_container
from chatport.config import Settings
from chatport.http.app import build_app
from chatport.http.container import Services
from tests.support import ManualClock

PASSWORD = "correct horse battery"
BASE_URL = "http://testserver.local"


@pytest.fixture(scope="session")
def cheap_hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path))


@pytest.fixture
def app(settings: Settings, cheap_hasher: Argon2PasswordHasher, clock: ManualClock) -> Litestar:
    @asynccontextmanager
    async def container() -> AsyncIterator[Services]:
        async with build_container(settings, clock=clock, hasher=cheap_hasher) as services:
            yield services

    return build_app(container, max_body_bytes=settings.max_body_bytes)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        yield client


async def register(client: AsyncTestClient[Any], username: str = "admin") -> dict[str, Any]:
    response = await client.post(
        "/api/auth/register", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def add_user(
    admin: AsyncTestClient[Any], username: str, role: str = "member"
) -> dict[str, Any]:
    response = await admin.post(
        "/api/admin/users", json={"username": username, "password": PASSWORD, "role": role}
    )
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()["user"]
    return user


async def v1_auth(
    client: AsyncTestClient[Any] | httpx.AsyncClient, name: str = "admin"
) -> dict[str, str]:
    """The bearer header of a v1 token for ``name``, from a log-in on the v1 API."""
    response = await client.post(
        "/api/v1/auth/login", json={"email": name, "password": PASSWORD, "device_name": "phone"}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['data']['token']}"}


@pytest.fixture
async def admin(client: AsyncTestClient[Litestar]) -> AsyncTestClient[Litestar]:
    """The client, logged in as the first user (the admin)."""
    await register(client)
    return client


@asynccontextmanager
async def logged_in(app: Litestar, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser on the same app, logged in as ``username``. The app's lifespan
    already runs (the ``client`` fixture), so this one talks to it without its own."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.2", 50000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as other:
        response = await other.post(
            "/api/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        yield other


@pytest.fixture
async def member(
    admin: AsyncTestClient[Litestar], app: Litestar
) -> AsyncIterator[httpx.AsyncClient]:
    """A second user, a member, in a browser of their own."""
    await add_user(admin, "bob")
    async with logged_in(app, "bob") as bob:
        yield bob
