"""REST API v1 messages: send (202, a run started), the stream of a conversation,
regenerate, delete; which model answers; 428 without credentials; a user's own key
pays for their replies; another user's conversation or message is a 404."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from chatport.config import Settings
from tests.api.conftest import add_user, logged_in, v1_auth
from tests.api.streams import v1_events, v1_text
from tests.fakes.providers import Behaviour, FakeOpenAI

Client = AsyncTestClient[Litestar]
BASE = "/api/v1/conversations"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path), demo_provider=True, demo_token_delay=0.0)


async def _conversation(client: Client, auth: dict[str, str], **body: Any) -> str:
    response = await client.post(BASE, json=body, headers=auth)
    assert response.status_code == 201, response.text
    conversation_id: str = response.json()["data"]["id"]
    return conversation_id


async def _messages(client: Client, auth: dict[str, str], cid: str) -> list[dict[str, Any]]:
    response = await client.get(f"{BASE}/{cid}/messages", headers=auth)
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["data"]
    return messages


async def _settled(client: Client, auth: dict[str, str], cid: str) -> list[dict[str, Any]]:
    """The conversation's messages once no reply is being written."""
    for _ in range(300):
        messages = await _messages(client, auth, cid)
        if all(m["status"] != "streaming" for m in messages):
            return messages
        await asyncio.sleep(0.01)
    raise AssertionError("a reply never ended")


async def _send(client: Client, auth: dict[str, str], cid: str, **body: Any) -> dict[str, Any]:
    response = await client.post(f"{BASE}/{cid}/messages", json=body, headers=auth)
    assert response.status_code == 202, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_sending_stores_the_message_and_the_stream_brings_the_reply(admin: Client) -> None:
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth, model="echo")

    sent = await _send(admin, auth, cid, content="hello there")

    question, reply = sent["message"], sent["assistant_message"]
    assert (question["role"], question["content"], question["status"]) == (
        "user",
        "hello there",
        "complete",
    )
    assert (reply["role"], reply["status"], reply["model"]) == ("assistant", "streaming", "echo")
    assert reply["conversation_id"] == question["conversation_id"] == cid
    assert sent["stream_url"] == f"{BASE}/{cid}/stream"
    stream = await admin.get(sent["stream_url"], headers=auth)
    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    events = v1_events(stream.text)
    final = events[-1]
    assert final.event == "message.completed"
    assert [e.id for e in events] == sorted({e.id for e in events})
    stored = await _settled(admin, auth, cid)
    assert [m["id"] for m in stored] == [question["id"], reply["id"]]
    assert final.data["message"] == stored[1]
    assert "hello there" in stored[1]["content"]
    assert stored[1]["usage"]["completion_tokens"] > 0
    if events[0].event == "message.started":  # read while it ran: every delta came
        assert v1_text(events) == stored[1]["content"]


async def test_an_ended_reply_streams_its_final_event_alone(admin: Client) -> None:
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth, model="echo")
    await _send(admin, auth, cid, content="one two three")
    reply = (await _settled(admin, auth, cid))[-1]

    events = v1_events((await admin.get(f"{BASE}/{cid}/stream", headers=auth)).text)

    assert [e.event for e in events] == ["message.completed"]
    assert events[0].data["message"] == reply
    seen = events[0].id
    after_it = await admin.get(f"{BASE}/{cid}/stream", headers={**auth, "Last-Event-ID": str(seen)})
    assert after_it.status_code == 200
    assert v1_events(after_it.text) == []
    from_start = await admin.get(f"{BASE}/{cid}/stream", headers={**auth, "Last-Event-ID": "1"})
    replayed = v1_events(from_start.text)
    assert replayed[0].id == 2 and replayed[-1].event == "message.completed"
    assert v1_text(replayed) == reply["content"]


async def test_a_conversation_without_a_reply_has_no_stream(admin: Client) -> None:
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth, model="echo")
    assert (await admin.get(f"{BASE}/{cid}/stream", headers=auth)).status_code == 204
    bad = await admin.get(f"{BASE}/{cid}/stream", headers={**auth, "Last-Event-ID": "x"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "VALIDATION_ERROR"


@pytest.fixture
def openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI(api_key="sk-admin")
    with fake.serve_in_thread():
        yield fake


async def test_the_model_is_the_requests_then_the_users_default_then_the_conversations(
    admin: Client, openai: FakeOpenAI
) -> None:
    added = await admin.post(
        "/api/admin/providers",
        json={
            "name": "local",
            "providerType": "openai-compatible",
            "baseUrl": openai.base_url,
            "apiKey": "sk-admin",
        },
    )
    assert added.status_code == 201, added.text
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth, model="gpt-fake")

    by_conversation = await _send(admin, auth, cid, content="a")
    await _settled(admin, auth, cid)
    prefs = await admin.put("/api/v1/preferences", json={"default_model": "echo"}, headers=auth)
    assert prefs.status_code == 200, prefs.text
    by_default = await _send(admin, auth, cid, content="b")
    await _settled(admin, auth, cid)
    by_request = await _send(admin, auth, cid, content="c", model="local:gpt-fake-mini")
    stored = await _settled(admin, auth, cid)

    assert by_conversation["assistant_message"]["model"] == "gpt-fake"
    assert by_default["assistant_message"]["model"] == "echo"
    assert by_request["assistant_message"]["model"] == "gpt-fake-mini"
    asked = {r.body["messages"][-1]["content"]: r.body["model"] for r in openai.requests if r.body}
    assert (asked["a"], asked["c"]) == ("gpt-fake", "gpt-fake-mini")
    assert "b" not in asked
    assert [m["status"] for m in stored] == ["complete"] * 6


async def test_a_provider_failure_streams_message_failed_and_keeps_the_text(
    admin: Client, openai: FakeOpenAI
) -> None:
    body = {"name": "local", "providerType": "openai-compatible", "baseUrl": openai.base_url}
    added = await admin.post("/api/admin/providers", json=body | {"apiKey": "sk-admin"})
    assert added.status_code == 201, added.text
    openai.script.append(Behaviour(interrupt="cut", after_tokens=2))
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth, model="gpt-fake")

    sent = await _send(admin, auth, cid, content="this will break")
    stored = (await _settled(admin, auth, cid))[-1]
    events = v1_events((await admin.get(sent["stream_url"], headers=auth)).text)

    assert stored["status"] == "failed" and stored["error"]
    assert stored["content"] == "".join(openai.reply_for("this will break")[:2])
    assert [e.event for e in events] == ["message.failed"]
    error = events[0].data["error"]
    assert events[0].data["message_id"] == stored["id"]
    assert error["code"] == "MALFORMED_STREAM"  # the provider cut its stream short
    assert error["message"] == stored["error"]


async def test_with_no_model_to_use_nothing_is_stored(admin: Client) -> None:
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth)

    response = await admin.post(f"{BASE}/{cid}/messages", json={"content": "hi"}, headers=auth)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert await _messages(admin, auth, cid) == []


async def _demo_enabled(admin: Client, enabled: bool) -> None:
    providers = (await admin.get("/api/admin/providers")).json()["providers"]
    demo = next(p for p in providers if p["name"] == "demo")
    response = await admin.put(f"/api/admin/providers/{demo['id']}", json={"enabled": enabled})
    assert response.status_code == 200, response.text


async def test_without_usable_credentials_sending_is_428_and_stores_nothing(
    admin: Client,
) -> None:
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth, model="echo")
    await _demo_enabled(admin, False)

    me = (await admin.get("/api/v1/auth/me", headers=auth)).json()["data"]
    response = await admin.post(f"{BASE}/{cid}/messages", json={"content": "hi"}, headers=auth)
    again = await admin.post(f"{BASE}/{cid}/regenerate", headers=auth)

    assert me["flags"]["has_credentials"] is False
    assert response.status_code == again.status_code == 428
    assert response.json()["error"]["code"] == "CREDENTIALS_REQUIRED"
    assert "API key" in response.json()["error"]["message"]
    assert await _messages(admin, auth, cid) == []
    await _demo_enabled(admin, True)
    assert (await _send(admin, auth, cid, content="hi"))["assistant_message"]["model"] == "echo"


async def test_a_users_own_key_answers_the_models_it_serves(
    admin: Client, settings: Settings
) -> None:
    hosted = FakeOpenAI(api_key="sk-users-own", models=["gpt-4o-mini"])
    auth = await v1_auth(admin)
    await _demo_enabled(admin, False)
    put = await admin.put(
        "/api/v1/credentials/openai", json={"api_key": "sk-users-own"}, headers=auth
    )
    assert put.status_code == 200, put.text
    with hosted.serve_in_thread():
        # The hosted service, on loopback in place of api.openai.com.
        with sqlite3.connect(settings.sqlite_path) as db:
            db.execute(
                "UPDATE providers SET base_url = ? WHERE name = 'openai'", (hosted.base_url,)
            )
        cid = await _conversation(admin, auth)
        listed = (await admin.get("/api/v1/models", headers=auth)).json()["data"]
        on_the_web = (await admin.get("/api/models")).json()["models"]
        await _demo_enabled(admin, True)
        listed_again = (await admin.get("/api/v1/models", headers=auth)).json()["data"]

        sent = await _send(admin, auth, cid, content="on my bill", model=listed[0]["id"])
        stored = await _settled(admin, auth, cid)
        bare = await _send(admin, auth, cid, content="bare id", model="gpt-4o-mini")
        await _settled(admin, auth, cid)

    assert listed == [
        {
            "id": "openai:gpt-4o-mini",
            "name": "gpt-4o-mini",
            "provider": "openai",
            "context_window": None,
            "supports_vision": False,
        }
    ]
    assert [m["id"] for m in listed_again] == ["echo", "openai:gpt-4o-mini"]
    assert [(m["model_id"], m["provider"]) for m in on_the_web] == [
        ("openai:gpt-4o-mini", "openai")
    ]
    assert len([r for r in hosted.requests if r.path.endswith("/models")]) == 1  # kept a while
    assert sent["assistant_message"]["model"] == "gpt-4o-mini"
    assert bare["assistant_message"]["model"] == "gpt-4o-mini"
    assert stored[-1]["status"] == "complete", stored[-1]["error"]
    assert stored[-1]["content"] == "".join(hosted.reply_for("on my bill"))
    chat_calls = [r for r in hosted.requests if r.method == "POST"]
    asked = {r.body["messages"][-1]["content"] for r in chat_calls}
    assert {"on my bill", "bare id"} <= asked  # and the title, on the same key
    assert {r.headers["authorization"] for r in chat_calls} == {"Bearer sk-users-own"}
    assert {r.body["model"] for r in chat_calls} == {"gpt-4o-mini"}


@pytest.mark.parametrize(
    "body",
    [
        {"content": ""},
        {"content": "  \n "},
        {"content": "x" * 100_001},
        {"content": 5},
        {"content": "hi", "colour": "red"},
        {"content": "hi", "model": "gpt-9"},
        {},
    ],
)
async def test_bad_messages_are_422_and_store_nothing(admin: Client, body: dict[str, Any]) -> None:
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth, model="echo")

    response = await admin.post(f"{BASE}/{cid}/messages", json=body, headers=auth)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert response.json()["error"]["details"]
    assert await _messages(admin, auth, cid) == []


async def test_regenerate_replaces_the_last_reply(admin: Client) -> None:
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth, model="echo")
    await _send(admin, auth, cid, content="say it")
    before = await _settled(admin, auth, cid)

    response = await admin.post(f"{BASE}/{cid}/regenerate", json={}, headers=auth)

    assert response.status_code == 202, response.text
    fresh = response.json()["data"]
    assert (fresh["status"], fresh["model"], fresh["role"]) == ("streaming", "echo", "assistant")
    after = await _settled(admin, auth, cid)
    assert [m["id"] for m in after] == [before[0]["id"], fresh["id"]]
    assert after[1]["content"] == before[1]["content"]


async def test_regenerate_with_nothing_to_answer_is_422(admin: Client) -> None:
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth, model="echo")

    response = await admin.post(f"{BASE}/{cid}/regenerate", headers=auth)

    assert response.status_code == 422
    assert response.json()["error"]["message"] == "There is no message to answer"
    assert await _messages(admin, auth, cid) == []


async def test_delete_a_message(admin: Client) -> None:
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth, model="echo")
    sent = await _send(admin, auth, cid, content="forget me")
    await _settled(admin, auth, cid)

    gone = await admin.delete(f"/api/v1/messages/{sent['message']['id']}", headers=auth)
    again = await admin.delete(f"/api/v1/messages/{sent['message']['id']}", headers=auth)

    assert gone.status_code == 204 and gone.content == b""
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "NOT_FOUND"
    remaining = await _messages(admin, auth, cid)
    assert [m["id"] for m in remaining] == [sent["assistant_message"]["id"]]


async def test_another_users_conversation_and_messages_are_404(
    admin: Client, app: Litestar
) -> None:
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth, model="echo")
    sent = await _send(admin, auth, cid, content="mine")
    before = await _settled(admin, auth, cid)
    await add_user(admin, "bob")
    async with logged_in(app, "bob") as bob:
        bobs = await v1_auth(bob, "bob")
        answers = [
            await bob.post(f"{BASE}/{cid}/messages", json={"content": "x"}, headers=bobs),
            await bob.get(f"{BASE}/{cid}/stream", headers=bobs),
            await bob.post(f"{BASE}/{cid}/regenerate", headers=bobs),
            await bob.post(f"{BASE}/{cid}/stop", headers=bobs),
            await bob.delete(f"/api/v1/messages/{sent['message']['id']}", headers=bobs),
        ]

    assert [a.status_code for a in answers] == [404] * 5
    assert {a.json()["error"]["code"] for a in answers} == {"NOT_FOUND"}
    assert await _messages(admin, auth, cid) == before


async def test_stop_with_nothing_running_is_409(admin: Client) -> None:
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth, model="echo")

    response = await admin.post(f"{BASE}/{cid}/stop", headers=auth)

    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "CONFLICT",
        "message": "No reply is being generated in this chat",
    }


@pytest.mark.parametrize("body", [{"model": "gpt-9"}, {"model": ""}, {"temperature": 2}])
async def test_regenerate_with_bad_input_keeps_the_reply(
    admin: Client, body: dict[str, Any]
) -> None:
    auth = await v1_auth(admin)
    cid = await _conversation(admin, auth, model="echo")
    await _send(admin, auth, cid, content="keep this")
    before = await _settled(admin, auth, cid)

    response = await admin.post(f"{BASE}/{cid}/regenerate", json=body, headers=auth)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert await _messages(admin, auth, cid) == before
