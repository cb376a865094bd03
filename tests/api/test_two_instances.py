"""Scale-out: two app instances share Postgres and Redis. A reply started on one is
resumed, mid-stream, on the other; stopping works from either."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from chatport.adapters.security.passwords import Argon2PasswordHasher
from chatport.bootstrap import build_container
from chatport.config import Settings
from chatport.http.app import build_app
from chatport.http.container import Services
from tests.api.conftest import PASSWORD
from tests.api.streams import reply_text, ui_parts, v1_events, v1_text
from tests.live import serving

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

QUESTION = " ".join(f"word{n}" for n in range(120))


def _instance(settings: Settings, hasher: Argon2PasswordHasher) -> Litestar:
    @asynccontextmanager
    async def container() -> AsyncIterator[Services]:
        async with build_container(settings, hasher=hasher) as services:
            yield services

    return build_app(container, max_body_bytes=settings.max_body_bytes)


@pytest.fixture
async def two_instances(
    tmp_path: Path,
    postgres_url: str,
    postgres_schema: str,
    redis_url: str,
    redis_prefix: str,
    cheap_hasher: Argon2PasswordHasher,
) -> AsyncIterator[tuple[str, str]]:
    """Base URLs of two instances; each has its own data dir, as on two machines,
    and uploads go to one shared folder (a shared volume, as README says)."""
    bases = []
    async with AsyncExitStack() as stack:
        for name in ("a", "b"):
            settings = Settings(
                # asyncpg passes unknown DSN parameters on as server settings.
                database_url=f"{postgres_url}?search_path={postgres_schema}",
                redis_url=redis_url,
                redis_prefix=redis_prefix,
                secret_key="shared by every instance",
                data_dir=str(tmp_path / name),
                files_dir=str(tmp_path / "shared-files"),  # a shared volume
                demo_provider=True,
                demo_token_delay=0.02,
            )
            bases.append(
                await stack.enter_async_context(serving(_instance(settings, cheap_hasher)))
            )
        yield bases[0], bases[1]


async def _read_some(
    client: httpx.AsyncClient, url: str, deltas: int, body: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[int]]:
    parts: list[dict[str, Any]] = []
    ids: list[int] = []
    pending: int | None = None  # an id line comes before the data of its frame
    async with client.stream("POST", url, json=body) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("id: "):
                pending = int(line[4:])
            elif line.startswith("data: ") and line != "data: [DONE]":
                parts.append(json.loads(line[6:]))
                if pending is not None:
                    ids.append(pending)
                    pending = None
                    if sum(p["type"] == "text-delta" for p in parts) >= deltas:
                        break
    return parts, ids


async def test_a_reply_started_on_one_instance_is_resumed_on_the_other(
    two_instances: tuple[str, str],
) -> None:
    base_a, base_b = two_instances
    async with (
        httpx.AsyncClient(base_url=base_a, timeout=10) as on_a,
        httpx.AsyncClient(base_url=base_b, timeout=10) as on_b,
    ):
        registered = await on_a.post(
            "/api/auth/register", json={"username": "admin", "password": PASSWORD}
        )
        assert registered.status_code == 201
        on_b.cookies.update(on_a.cookies)  # one browser, whichever instance answers
        chat_id = (await on_a.post("/api/chats", json={})).json()["id"]
        body = {"model": "echo", "messages": [{"role": "user", "content": QUESTION}]}

        first, first_ids = await _read_some(on_a, f"/api/chats/{chat_id}/completion", 5, body)
        resumed = await on_b.get(
            f"/api/chats/{chat_id}/stream", headers={"Last-Event-ID": str(first_ids[-1])}
        )

        assert resumed.status_code == 200
        rest = ui_parts(resumed.text)
        rest_ids = [int(line[4:]) for line in resumed.text.splitlines() if line.startswith("id: ")]
        seen = first_ids + rest_ids
        assert seen == list(range(1, len(seen) + 1))  # every event once, in order
        assert rest[-1]["type"] == "[DONE]" and rest[-2]["type"] == "finish"
        stored = (await on_b.get(f"/api/chats/{chat_id}/messages")).json()["messages"]
        assert stored[-1]["status"] == "complete"
        assert reply_text(first) + reply_text(rest) == stored[-1]["content"]
        assert stored[-1]["content"].endswith("word119")


async def test_stop_on_one_instance_ends_a_reply_running_on_the_other(
    two_instances: tuple[str, str],
) -> None:
    base_a, base_b = two_instances
    async with (
        httpx.AsyncClient(base_url=base_a, timeout=10) as on_a,
        httpx.AsyncClient(base_url=base_b, timeout=10) as on_b,
    ):
        await on_a.post("/api/auth/register", json={"username": "admin", "password": PASSWORD})
        on_b.cookies.update(on_a.cookies)
        chat_id = (await on_a.post("/api/chats", json={})).json()["id"]
        body = {"model": "echo", "messages": [{"role": "user", "content": QUESTION}]}
        seen, _ = await _read_some(on_a, f"/api/chats/{chat_id}/completion", 3, body)

        stopped = await on_b.post(f"/api/chats/{chat_id}/stop", headers={"Origin": base_b})

        assert stopped.status_code == 200, stopped.text
        assert stopped.json()["status"] == "cancelled"
        assert stopped.json()["content"].startswith(reply_text(seen))
        assert "word119" not in stopped.json()["content"]


async def _v1_token(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        registered = await client.post(
            "/api/auth/register", json={"username": "admin", "password": PASSWORD}
        )
        assert registered.status_code == 201
        login = await client.post(
            "/api/v1/auth/login",
            json={"email": "admin", "password": PASSWORD, "device_name": "phone"},
        )
        token: str = login.json()["data"]["token"]
        return token


async def test_the_v1_rate_limit_holds_across_instances(two_instances: tuple[str, str]) -> None:
    a, b = two_instances
    auth = {"Authorization": f"Bearer {await _v1_token(a)}"}
    async with (
        httpx.AsyncClient(base_url=a, headers=auth) as on_a,
        httpx.AsyncClient(base_url=b, headers=auth) as on_b,
    ):
        started = time.monotonic()
        accepted = 0
        while True:
            response = await (on_a if accepted % 2 else on_b).get("/api/v1/auth/me")
            if response.status_code != 200:
                break
            accepted += 1
            assert accepted <= 120, "each instance kept its own count"
        elapsed = time.monotonic() - started

    # 60 a minute is one a second, given back as time passes.
    assert 60 <= accepted <= 60 + int(elapsed) + 1
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert int(response.headers["retry-after"]) >= 1


async def test_a_v1_reply_sent_on_one_instance_streams_on_the_other(
    two_instances: tuple[str, str],
) -> None:
    a, b = two_instances
    auth = {"Authorization": f"Bearer {await _v1_token(a)}"}
    async with (
        httpx.AsyncClient(base_url=a, headers=auth, timeout=10) as on_a,
        httpx.AsyncClient(base_url=b, headers=auth, timeout=10) as on_b,
    ):
        cid = (await on_a.post("/api/v1/conversations", json={"model": "echo"})).json()["data"]
        sent = await on_a.post(
            f"/api/v1/conversations/{cid['id']}/messages", json={"content": QUESTION}
        )
        assert sent.status_code == 202, sent.text
        events = v1_events((await on_b.get(sent.json()["data"]["stream_url"])).text)
        stored = (await on_a.get(f"/api/v1/conversations/{cid['id']}")).json()["data"]

    assert events[0].event == "message.started"
    assert events[-1].event == "message.completed"
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    assert v1_text(events) == stored["messages"][-1]["content"]
    assert events[-1].data["message"] == stored["messages"][-1]


async def test_a_file_uploaded_on_one_instance_is_served_by_the_other(
    two_instances: tuple[str, str],
) -> None:
    a, b = two_instances
    async with httpx.AsyncClient(base_url=a) as on_a:
        await on_a.post("/api/auth/register", json={"username": "admin", "password": PASSWORD})
        made = await on_a.post("/api/files", files={"file": ("notes.md", b"# shared\n")})
        assert made.status_code == 201, made.text
        async with httpx.AsyncClient(base_url=b, cookies=on_a.cookies) as on_b:
            content = await on_b.get(f"/api/files/{made.json()['id']}/content")
            gone = await on_b.delete(f"/api/files/{made.json()['id']}")
        again = await on_a.get(f"/api/files/{made.json()['id']}/content")

    assert content.status_code == 200 and content.content == b"# shared\n"
    assert gone.status_code == 200
    assert again.status_code == 404
