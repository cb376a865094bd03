"""REST API v1 replies over real HTTP, while they run: resume after Last-Event-ID,
one reply at a time per conversation, stop, and a retried send that starts one
generation only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from chatport.config import Settings
from tests.api.conftest import PASSWORD
from tests.api.streams import V1Event, v1_events, v1_text
from tests.live import serving

BASE = "/api/v1/conversations"
# A long question makes a long echo; at 20 ms a token it streams for seconds.
QUESTION = " ".join(f"word{n}" for n in range(150))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path), demo_provider=True, demo_token_delay=0.02)


@pytest.fixture
async def phone(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A v1 client with a bearer token, over real HTTP."""
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        registered = await client.post(
            "/api/auth/register", json={"username": "admin", "password": PASSWORD}
        )
        assert registered.status_code == 201
        client.cookies.clear()
        login = await client.post(
            "/api/v1/auth/login",
            json={"email": "admin", "password": PASSWORD, "device_name": "phone"},
        )
        client.headers["Authorization"] = f"Bearer {login.json()['data']['token']}"
        yield client


async def _conversation(client: httpx.AsyncClient) -> str:
    response = await client.post(BASE, json={"model": "echo"})
    assert response.status_code == 201, response.text
    cid: str = response.json()["data"]["id"]
    return cid


async def _messages(client: httpx.AsyncClient, cid: str) -> list[dict[str, Any]]:
    response = await client.get(f"{BASE}/{cid}/messages")
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["data"]
    return messages


async def _settled(client: httpx.AsyncClient, cid: str) -> list[dict[str, Any]]:
    for _ in range(500):
        messages = await _messages(client, cid)
        if all(m["status"] != "streaming" for m in messages):
            return messages
        await asyncio.sleep(0.02)
    raise AssertionError("a reply never ended")


async def _read_some(client: httpx.AsyncClient, url: str, deltas: int) -> list[V1Event]:
    """Read a v1 stream until ``deltas`` deltas came, then hang up."""
    seen: list[V1Event] = []
    buffer = ""
    async with client.stream("GET", url) as response:
        assert response.status_code == 200
        async for chunk in response.aiter_text():
            buffer += chunk
            complete, _, buffer = buffer.rpartition("\n\n")
            if complete:
                seen += v1_events(complete + "\n\n")
            if sum(e.event == "message.delta" for e in seen) >= deltas:
                break
    return seen


async def test_a_dropped_stream_resumes_after_the_last_event(phone: httpx.AsyncClient) -> None:
    cid = await _conversation(phone)
    sent = (await phone.post(f"{BASE}/{cid}/messages", json={"content": QUESTION})).json()["data"]

    first = await _read_some(phone, sent["stream_url"], deltas=5)
    resumed = await phone.get(sent["stream_url"], headers={"Last-Event-ID": str(first[-1].id)})

    assert first[0].event == "message.started"
    assert first[0].data == {"message_id": sent["assistant_message"]["id"], "model": "echo"}
    rest = v1_events(resumed.text)
    assert rest[0].id == first[-1].id + 1 and rest[0].event == "message.delta"
    assert rest[-1].event == "message.completed"
    stored = (await _settled(phone, cid))[-1]
    assert rest[-1].data["message"] == stored
    assert v1_text(first) + v1_text(rest) == stored["content"]
    assert stored["content"].endswith("word149")


async def test_one_reply_at_a_time_in_a_conversation(phone: httpx.AsyncClient) -> None:
    cid = await _conversation(phone)
    sent = (await phone.post(f"{BASE}/{cid}/messages", json={"content": QUESTION})).json()["data"]

    second = await phone.post(f"{BASE}/{cid}/messages", json={"content": "and another"})
    regenerate = await phone.post(f"{BASE}/{cid}/regenerate")
    delete = await phone.delete(f"/api/v1/messages/{sent['assistant_message']['id']}")

    assert [second.status_code, regenerate.status_code, delete.status_code] == [409] * 3
    assert second.json()["error"]["code"] == "CONFLICT"
    messages = await _messages(phone, cid)
    assert [m["id"] for m in messages] == [
        sent["message"]["id"],
        sent["assistant_message"]["id"],
    ]
    await phone.post(f"{BASE}/{cid}/stop")


async def test_stop_keeps_the_text_and_the_stream_says_cancelled(
    phone: httpx.AsyncClient,
) -> None:
    cid = await _conversation(phone)
    sent = (await phone.post(f"{BASE}/{cid}/messages", json={"content": QUESTION})).json()["data"]
    first = await _read_some(phone, sent["stream_url"], deltas=3)

    stopped = await phone.post(f"{BASE}/{cid}/stop")
    rest = v1_events(
        (await phone.get(sent["stream_url"], headers={"Last-Event-ID": str(first[-1].id)})).text
    )

    assert stopped.status_code == 200, stopped.text
    kept = stopped.json()["data"]
    assert kept["status"] == "cancelled" and kept["id"] == sent["assistant_message"]["id"]
    assert kept["content"].startswith(v1_text(first))
    assert not kept["content"].endswith("word149")
    assert rest[-1].event == "message.cancelled"
    assert rest[-1].data["message"] == kept == (await _messages(phone, cid))[-1]


async def test_a_send_retried_at_once_starts_one_generation(phone: httpx.AsyncClient) -> None:
    cid = await _conversation(phone)
    headers = {"Idempotency-Key": "send-once-1"}

    answers = await asyncio.gather(
        *(
            phone.post(f"{BASE}/{cid}/messages", json={"content": QUESTION}, headers=headers)
            for _ in range(2)
        )
    )
    replay = await phone.post(f"{BASE}/{cid}/messages", json={"content": QUESTION}, headers=headers)

    statuses = sorted(a.status_code for a in answers)
    assert statuses in ([202, 202], [202, 409])
    accepted = [a.json()["data"] for a in answers if a.status_code == 202]
    assert len({a["assistant_message"]["id"] for a in accepted}) == 1
    assert replay.status_code == 202 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["data"] == accepted[0]
    messages = await _settled(phone, cid)
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[1]["id"] == accepted[0]["assistant_message"]["id"]


async def test_three_replies_at_once_per_user_even_when_asked_together(
    phone: httpx.AsyncClient,
) -> None:
    chats = [await _conversation(phone) for _ in range(6)]

    answers = await asyncio.gather(
        *(phone.post(f"{BASE}/{cid}/messages", json={"content": QUESTION}) for cid in chats)
    )

    assert sorted(a.status_code for a in answers) == [202] * 3 + [409] * 3
    refused = next(a for a in answers if a.status_code == 409)
    assert "already have 3 replies" in refused.json()["error"]["message"]
    for cid in chats:
        await phone.post(f"{BASE}/{cid}/stop")
