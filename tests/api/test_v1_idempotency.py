"""Idempotency-Key on v1: a retry gets the first answer and no second effect."""

from __future__ import annotations

import asyncio

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.api.conftest import add_user, logged_in, v1_auth

Client = AsyncTestClient[Litestar]


async def _token_names(client: Client, auth: dict[str, str]) -> list[str]:
    response = await client.get("/api/v1/auth/tokens", headers=auth)
    return [t["name"] for t in response.json()["data"]]


async def test_a_retry_replays_the_first_answer_without_a_second_effect(admin: Client) -> None:
    auth = await v1_auth(admin)
    headers = {**auth, "Idempotency-Key": "make-ci-token-1"}

    first = await admin.post("/api/v1/auth/token", json={"name": "CI"}, headers=headers)
    again = await admin.post("/api/v1/auth/token", json={"name": "CI"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()  # the same token, shown again to its owner
    assert (await _token_names(admin, auth)).count("CI") == 1


async def test_the_same_key_for_another_request_is_422(admin: Client) -> None:
    auth = await v1_auth(admin)
    headers = {**auth, "Idempotency-Key": "k-1"}
    await admin.post("/api/v1/auth/token", json={"name": "first"}, headers=headers)

    other = await admin.post("/api/v1/auth/token", json={"name": "second"}, headers=headers)

    assert other.status_code == 422
    assert other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert "second" not in await _token_names(admin, auth)
    bad = await admin.post(
        "/api/v1/auth/token", json={"name": "x"}, headers={**auth, "Idempotency-Key": "has space"}
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "x" not in await _token_names(admin, auth)


async def test_concurrent_retries_make_one_effect(admin: Client, app: Litestar) -> None:
    auth = await v1_auth(admin)
    headers = {**auth, "Idempotency-Key": "concurrent-1"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        answers = await asyncio.gather(
            *(
                c.post("/api/v1/auth/token", json={"name": "once"}, headers=headers)
                for _ in range(5)
            )
        )

    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    created = {a.json()["data"]["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    assert (await _token_names(admin, auth)).count("once") == 1


async def test_keys_are_each_users_own(admin: Client, app: Litestar) -> None:
    await add_user(admin, "bob")
    mine = await v1_auth(admin)
    async with logged_in(app, "bob") as bob:
        bobs = await v1_auth(bob, "bob")
        key = {"Idempotency-Key": "shared-key"}
        a = await admin.post("/api/v1/auth/token", json={"name": "A"}, headers={**mine, **key})
        b = await bob.post("/api/v1/auth/token", json={"name": "B"}, headers={**bobs, **key})
    assert a.status_code == b.status_code == 201
    assert "idempotent-replayed" not in b.headers
    assert a.json()["data"]["id"] != b.json()["data"]["id"]
