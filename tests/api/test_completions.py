"""Completions on the web API with the built-in demo provider: the stream, the
stored reply, the limits, stop, regenerate and resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from chatport.config import Settings
from tests.api.streams import event_ids, reply_text, ui_parts

Client = AsyncTestClient[Litestar]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path), demo_provider=True, demo_token_delay=0.0)


async def _chat(client: Client | httpx.AsyncClient) -> str:
    response = await client.post("/api/chats", json={})
    assert response.status_code == 201
    chat_id: str = response.json()["id"]
    return chat_id


def _body(text: str, message_id: str | None = None, model: str = "echo") -> dict[str, Any]:
    message: dict[str, Any] = {"role": "user", "content": text}
    if message_id:
        message["id"] = message_id
    return {"model": model, "messages": [message]}


async def _messages(client: Client | httpx.AsyncClient, chat_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/chats/{chat_id}/messages")
    assert response.status_code == 200
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


async def test_a_completion_streams_the_reply_and_stores_both_messages(admin: Client) -> None:
    chat_id = await _chat(admin)

    response = await admin.post(f"/api/chats/{chat_id}/completion", json=_body("Hello there"))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert response.headers["cache-control"] == "no-cache"
    parts = ui_parts(response.text)
    kinds = [p["type"] for p in parts]
    assert kinds[:3] == ["start", "start-step", "text-start"]
    assert kinds[-4:] == ["text-end", "finish-step", "finish", "[DONE]"]
    assert set(kinds[3:-4]) == {"text-delta"}
    assert parts[-2]["finishReason"] == "stop"
    assert parts[-2]["messageMetadata"]["usage"]["completionTokens"] > 0
    ids = event_ids(response.text)
    assert ids == sorted(ids) and ids[0] == 1
    reply = reply_text(parts)
    assert "Hello there" in reply

    stored = await _messages(admin, chat_id)
    assert [(m["role"], m["status"]) for m in stored] == [
        ("user", "complete"),
        ("assistant", "complete"),
    ]
    assert stored[0]["content"] == "Hello there"
    assert stored[1]["content"] == reply
    assert stored[1]["id"] == parts[0]["messageId"]
    assert stored[1]["model"] == "echo"
    assert stored[1]["usage"]["completionTokens"] > 0
    chat = (await admin.get(f"/api/chats/{chat_id}")).json()
    assert chat["title"] == "Hello there"


async def test_a_stored_message_id_is_not_stored_twice(admin: Client) -> None:
    chat_id = await _chat(admin)
    first = await admin.post(f"/api/chats/{chat_id}/completion", json=_body("Hi", "msg-001"))
    assert first.status_code == 200
    again = await admin.post(f"/api/chats/{chat_id}/completion", json=_body("Hi", "msg-001"))
    assert again.status_code == 200
    roles = [m["role"] for m in await _messages(admin, chat_id)]
    assert roles == ["user", "assistant", "assistant"]


async def test_the_prompt_holds_the_history_in_order(admin: Client) -> None:
    chat_id = await _chat(admin)
    await admin.post(f"/api/chats/{chat_id}/completion", json=_body("first question"))
    second = await admin.post(f"/api/chats/{chat_id}/completion", json=_body("second one"))
    # The echo provider answers the last user message and counts what it was given.
    assert "second one" in reply_text(ui_parts(second.text))
    stored = await _messages(admin, chat_id)
    assert [m["content"] for m in stored if m["role"] == "user"] == [
        "first question",
        "second one",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
        ({"model": "echo", "messages": []}, "messages"),
        ({"model": "echo", "messages": [{"role": "assistant", "content": "x"}]}, "messages"),
        ({"model": "echo", "messages": [{"role": "user", "content": "  "}]}, "messages"),
        ({"model": "echo", "messages": [{"role": "user", "content": 5}]}, "messages"),
        (
            {"model": "echo", "messages": [{"role": "user", "content": "x", "id": "a/b"}]},
            "messages",
        ),
        ({**_body("x"), "webSearch": True}, "webSearch"),
    ],
)
async def test_bad_completion_requests_are_400_and_store_nothing(
    admin: Client, body: dict[str, Any], field: str
) -> None:
    chat_id = await _chat(admin)
    response = await admin.post(f"/api/chats/{chat_id}/completion", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]
    assert response.json()["details"][0]["path"][0] == field
    assert await _messages(admin, chat_id) == []


async def test_an_unknown_model_is_400_naming_it(admin: Client) -> None:
    chat_id = await _chat(admin)
    response = await admin.post(f"/api/chats/{chat_id}/completion", json=_body("x", model="gpt-9"))
    assert response.status_code == 400
    assert response.json()["error"] == "Model gpt-9 is disabled or not registered"
    assert await _messages(admin, chat_id) == []
    named = await admin.post(f"/api/chats/{chat_id}/completion", json=_body("x", model="demo:echo"))
    assert named.status_code == 200


async def test_another_users_chat_is_404(admin: Client, member: httpx.AsyncClient) -> None:
    chat_id = await _chat(admin)
    for method, path, body in [
        ("POST", "completion", _body("x")),
        ("POST", "regenerate", {}),
        ("POST", "stop", None),
        ("GET", "stream", None),
    ]:
        response = await member.request(method, f"/api/chats/{chat_id}/{path}", json=body)
        assert response.status_code == 404, (path, response.text)
    assert await _messages(admin, chat_id) == []


async def test_regenerate_replaces_the_last_reply(admin: Client) -> None:
    chat_id = await _chat(admin)
    await admin.post(f"/api/chats/{chat_id}/completion", json=_body("Tell me"))
    before = await _messages(admin, chat_id)

    response = await admin.post(f"/api/chats/{chat_id}/regenerate", json={})

    assert response.status_code == 200
    parts = ui_parts(response.text)
    after = await _messages(admin, chat_id)
    assert [m["role"] for m in after] == ["user", "assistant"]
    assert after[1]["id"] != before[1]["id"]
    assert after[1]["id"] == parts[0]["messageId"]
    assert after[1]["content"] == reply_text(parts)


async def test_regenerate_with_nothing_to_answer_is_refused(admin: Client) -> None:
    chat_id = await _chat(admin)
    response = await admin.post(f"/api/chats/{chat_id}/regenerate", json={"model": "echo"})
    assert response.status_code == 400
    assert response.json()["error"] == "There is no message to answer"
    assert await _messages(admin, chat_id) == []


async def test_stream_and_stop_without_a_running_reply(admin: Client) -> None:
    chat_id = await _chat(admin)
    assert (await admin.get(f"/api/chats/{chat_id}/stream")).status_code == 204
    stop = await admin.post(f"/api/chats/{chat_id}/stop")
    assert stop.status_code == 409
    assert stop.json()["error"] == "No reply is being generated in this chat"


async def test_models_lists_the_demo_model_for_users(
    admin: Client, member: httpx.AsyncClient
) -> None:
    response = await member.get("/api/models")
    assert response.status_code == 200
    models = response.json()["models"]
    assert [(m["model_id"], m["provider"], m["is_default"]) for m in models] == [
        ("echo", "demo", True)
    ]
    assert "Demo" in models[0]["provider_display_name"]
    assert (await member.get("/api/models", params={"type": "image"})).json()["models"] == []
    assert (await member.get("/api/models", params={"type": "video"})).status_code == 400


async def test_twenty_completions_a_minute_then_429(admin: Client) -> None:
    chat_id = await _chat(admin)
    for n in range(20):
        response = await admin.post(f"/api/chats/{chat_id}/completion", json=_body(f"q{n}"))
        assert response.status_code == 200, (n, response.text)

    refused = await admin.post(f"/api/chats/{chat_id}/completion", json=_body("one more"))

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "try again in" in refused.json()["error"]
    contents = [m["content"] for m in await _messages(admin, chat_id)]
    assert "one more" not in contents
