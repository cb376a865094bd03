"""Generation runs over real HTTP: a reply outlives its connection, can be resumed
after the last event seen, stopped half-way, and checkpoints as it goes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from chatport.config import Settings
from tests.api.conftest import PASSWORD
from tests.api.streams import reply_text, ui_parts
from tests.live import serving

# A long question makes a long echo; at 20 ms a token it streams for seconds.
QUESTION = " ".join(f"word{n}" for n in range(150))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path), demo_provider=True, demo_token_delay=0.02)


@pytest.fixture
async def browser(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        response = await client.post(
            "/api/auth/register", json={"username": "admin", "password": PASSWORD}
        )
        assert response.status_code == 201
        yield client


async def _chat(client: httpx.AsyncClient) -> str:
    chat_id: str = (await client.post("/api/chats", json={})).json()["id"]
    return chat_id


async def _read_some(
    client: httpx.AsyncClient, method: str, url: str, deltas: int, **kwargs: Any
) -> tuple[list[dict[str, Any]], int]:
    """Read a UI stream until ``deltas`` text deltas came, then hang up. Returns the
    parts and the last event id seen."""
    parts: list[dict[str, Any]] = []
    last_id = 0
    async with client.stream(method, url, **kwargs) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("id: "):
                last_id = int(line[4:])
            elif line.startswith("data: ") and line != "data: [DONE]":
                parts.append(json.loads(line[6:]))
                if sum(p["type"] == "text-delta" for p in parts) >= deltas and last_id:
                    break
    return parts, last_id


async def _stored_reply(client: httpx.AsyncClient, chat_id: str) -> dict[str, Any]:
    messages = (await client.get(f"/api/chats/{chat_id}/messages")).json()["messages"]
    reply: dict[str, Any] = messages[-1]
    return reply


async def _until_ended(client: httpx.AsyncClient, chat_id: str) -> dict[str, Any]:
    for _ in range(500):
        reply = await _stored_reply(client, chat_id)
        if reply["status"] != "streaming":
            return reply
        await asyncio.sleep(0.02)
    raise AssertionError("the reply never ended")


async def test_a_reply_outlives_its_connection_and_resumes_after_the_last_event(
    browser: httpx.AsyncClient,
) -> None:
    chat_id = await _chat(browser)
    body = {"model": "echo", "messages": [{"role": "user", "content": QUESTION}]}
    first, last_id = await _read_some(
        browser, "POST", f"/api/chats/{chat_id}/completion", deltas=5, json=body
    )
    assert first[0]["type"] == "start"

    resumed = await browser.get(
        f"/api/chats/{chat_id}/stream", headers={"Last-Event-ID": str(last_id)}
    )

    assert resumed.status_code == 200
    rest = ui_parts(resumed.text)
    assert rest[0]["type"] == "text-delta"  # nothing before the last id seen again
    assert rest[-1]["type"] == "[DONE]"
    reply = await _until_ended(browser, chat_id)
    assert reply["status"] == "complete"
    assert reply_text(first) + reply_text(rest) == reply["content"]
    assert "word149" in reply["content"]
    after_end = await browser.get(f"/api/chats/{chat_id}/stream")
    assert after_end.status_code == 204


async def test_a_hung_up_reply_is_stored_complete(browser: httpx.AsyncClient) -> None:
    chat_id = await _chat(browser)
    body = {"model": "echo", "messages": [{"role": "user", "content": QUESTION}]}
    await _read_some(browser, "POST", f"/api/chats/{chat_id}/completion", deltas=2, json=body)

    reply = await _until_ended(browser, chat_id)

    assert reply["status"] == "complete"
    assert reply["content"].endswith("word149")


async def test_the_partial_text_is_checkpointed_while_streaming(
    browser: httpx.AsyncClient,
) -> None:
    chat_id = await _chat(browser)
    body = {"model": "echo", "messages": [{"role": "user", "content": QUESTION}]}
    await _read_some(browser, "POST", f"/api/chats/{chat_id}/completion", deltas=2, json=body)
    await asyncio.sleep(1.6)  # past one checkpoint interval, well before the end

    during = await _stored_reply(browser, chat_id)

    assert during["status"] == "streaming"
    assert during["content"]
    final = await _until_ended(browser, chat_id)
    assert final["content"].startswith(during["content"])
    assert len(final["content"]) > len(during["content"])


async def test_stop_keeps_the_partial_text(browser: httpx.AsyncClient) -> None:
    chat_id = await _chat(browser)
    body = {"model": "echo", "messages": [{"role": "user", "content": QUESTION}]}
    seen, _ = await _read_some(
        browser, "POST", f"/api/chats/{chat_id}/completion", deltas=3, json=body
    )

    stopped = await browser.post(f"/api/chats/{chat_id}/stop")

    assert stopped.status_code == 200, stopped.text
    kept = stopped.json()
    assert kept["status"] == "cancelled"
    assert kept["content"].startswith(reply_text(seen))
    assert "word149" not in kept["content"]
    assert (await _stored_reply(browser, chat_id)) == kept
    assert (await browser.get(f"/api/chats/{chat_id}/stream")).status_code == 204


async def test_one_reply_per_chat_and_a_cap_per_user(
    browser: httpx.AsyncClient,
) -> None:
    body = {"model": "echo", "messages": [{"role": "user", "content": QUESTION}]}
    chats = [await _chat(browser) for _ in range(4)]
    for chat_id in chats[:3]:
        await _read_some(browser, "POST", f"/api/chats/{chat_id}/completion", deltas=1, json=body)

    same_chat = await browser.post(f"/api/chats/{chats[0]}/completion", json=body)
    fourth = await browser.post(f"/api/chats/{chats[3]}/completion", json=body)

    assert same_chat.status_code == 409
    assert same_chat.json()["error"] == "A reply is already being generated in this chat"
    assert fourth.status_code == 409
    assert "3 replies" in fourth.json()["error"]
    assert (await browser.get(f"/api/chats/{chats[3]}/messages")).json()["messages"] == []
    for chat_id in chats[:3]:
        await browser.post(f"/api/chats/{chat_id}/stop")


async def test_a_reply_being_written_cannot_be_deleted(browser: httpx.AsyncClient) -> None:
    chat_id = await _chat(browser)
    body = {"model": "echo", "messages": [{"role": "user", "content": QUESTION}]}
    parts, _ = await _read_some(
        browser, "POST", f"/api/chats/{chat_id}/completion", deltas=1, json=body
    )
    reply_id = parts[0]["messageId"]

    refused = await browser.delete(f"/api/chats/{chat_id}/messages/{reply_id}")

    assert refused.status_code == 409
    await browser.post(f"/api/chats/{chat_id}/stop")
    assert (await browser.delete(f"/api/chats/{chat_id}/messages/{reply_id}")).status_code == 200
