"""Providers and models on the web API, against fake providers on loopback: the
admin's catalogue, keys sealed and never shown, and replies from each wire format."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from chatport.adapters.sqlite.storage import SqliteStorage
from chatport.config import Settings
from tests.api.streams import reply_text, ui_parts
from tests.fakes import Behaviour, FakeAnthropic, FakeOllama, FakeOpenAI, FakeProvider

Client = AsyncTestClient[Litestar]
KEY = "sk-test-abcdef0123456789"


# The test client runs the app on a loop of its own: a fake served by the test's
# loop would wait for it, so fakes here run in a thread.
@pytest.fixture
def openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI(api_key=KEY)
    with fake.serve_in_thread():
        yield fake


async def _add(admin: Client, fake: FakeProvider, **fields: Any) -> httpx.Response:
    body = {
        "name": "local",
        "providerType": "openai-compatible",
        "baseUrl": fake.base_url,
        "apiKey": KEY,
    } | fields
    return await admin.post("/api/admin/providers", json=body)


async def test_adding_a_provider_fetches_its_models_and_never_shows_the_key(
    admin: Client, openai: FakeOpenAI, settings: Settings
) -> None:
    response = await _add(admin, openai, displayName="My server")

    assert response.status_code == 201, response.text
    provider = response.json()["provider"]
    assert provider["name"] == "local"
    assert provider["provider_type"] == "openai-compatible"
    assert provider["has_key"] is True
    assert provider["model_count"] == 2
    assert KEY not in response.text
    listed = await admin.get("/api/admin/providers")
    assert KEY not in listed.text
    assert listed.json()["providers"][0]["display_name"] == "My server"
    assert openai.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    # At rest the key is sealed, not written.
    database = (Path(settings.data_dir) / "chatport.db").read_bytes()
    assert KEY.encode() not in database
    models = (await admin.get("/api/models")).json()["models"]
    assert [(m["model_id"], m["is_default"]) for m in models] == [
        ("gpt-fake", True),
        ("gpt-fake-mini", False),
    ]


async def test_a_refused_key_or_an_unreachable_server_stores_nothing(
    admin: Client, openai: FakeOpenAI
) -> None:
    refused = await _add(admin, openai, apiKey="sk-wrong")
    assert refused.status_code == 502
    assert "key" in refused.json()["error"].lower()
    assert "sk-wrong" not in refused.text
    gone = await _add(admin, openai, baseUrl="http://127.0.0.1:9/v1")
    assert gone.status_code == 502
    assert (await admin.get("/api/admin/providers")).json()["providers"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Bad Name!", "providerType": "openai-compatible"}, "name"),
        ({"name": "mine"}, "providerType"),
        ({"name": "mine", "providerType": "openai-compatible"}, "baseUrl"),
        ({"name": "openai"}, "apiKey"),
        ({"name": "x", "providerType": "openai-compatible", "baseUrl": "ftp://h/v1"}, "baseUrl"),
        (
            {
                "name": "x",
                "providerType": "openai-compatible",
                "baseUrl": "http://169.254.169.254/v1",
            },
            "baseUrl",
        ),
        ({"name": 5}, "name"),
    ],
)
async def test_bad_provider_input_is_400_naming_the_field(
    admin: Client, body: dict[str, Any], field: str
) -> None:
    response = await admin.post("/api/admin/providers", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["details"][0]["path"] == [field]
    assert (await admin.get("/api/admin/providers")).json()["providers"] == []


async def test_only_admins_touch_providers_and_models(
    admin: Client, member: httpx.AsyncClient
) -> None:
    for method, path in [
        ("GET", "/api/admin/providers"),
        ("POST", "/api/admin/providers"),
        ("GET", "/api/admin/providers/available"),
        ("PUT", "/api/admin/providers/1"),
        ("DELETE", "/api/admin/providers/1"),
        ("POST", "/api/admin/providers/1/refresh-models"),
        ("GET", "/api/admin/models"),
        ("PUT", "/api/admin/models/1/default"),
    ]:
        response = await member.request(method, path, json={})
        assert response.status_code == 403, (method, path)


async def test_update_key_refresh_and_delete(admin: Client, openai: FakeOpenAI) -> None:
    provider = (await _add(admin, openai)).json()["provider"]
    pid = provider["id"]
    models = (await admin.get("/api/admin/models")).json()["models"]
    mini = next(m for m in models if m["model_id"] == "gpt-fake-mini")
    changed = await admin.put(
        f"/api/admin/models/{mini['id']}", json={"enabled": False, "displayName": "Mini"}
    )
    assert changed.status_code == 200
    assert changed.json()["model"]["display_name"] == "Mini"

    openai.models = ["gpt-fake", "gpt-fake-mini", "gpt-fake-new"]
    refreshed = await admin.post(f"/api/admin/providers/{pid}/refresh-models")
    assert refreshed.json() == {"success": True, "model_count": 3}
    after = {m["model_id"]: m for m in (await admin.get("/api/admin/models")).json()["models"]}
    assert after["gpt-fake-mini"]["enabled"] is False  # the admin's choice survives
    assert after["gpt-fake-mini"]["display_name"] == "Mini"
    assert after["gpt-fake-new"]["enabled"] is True
    assert after["gpt-fake"]["is_default"] is True

    removed_key = await admin.put(f"/api/admin/providers/{pid}", json={"apiKey": ""})
    assert removed_key.json()["provider"]["has_key"] is False
    disabled = await admin.put(f"/api/admin/providers/{pid}", json={"enabled": False})
    assert disabled.json()["provider"]["enabled"] is False
    assert (await admin.get("/api/models")).json()["models"] == []
    assert (await admin.delete(f"/api/admin/providers/{pid}")).status_code == 200
    assert (await admin.get("/api/admin/models")).json()["models"] == []
    assert (await admin.delete(f"/api/admin/providers/{pid}")).status_code == 404
    audit = (await admin.get("/api/admin/audit-log")).json()["logs"]
    actions = [entry["action"] for entry in audit]
    assert {"provider_created", "api_key_changed", "provider_deleted"} <= set(actions)
    assert KEY not in str(audit)


async def test_default_model_and_custom_models(admin: Client, openai: FakeOpenAI) -> None:
    pid = (await _add(admin, openai)).json()["provider"]["id"]
    custom = await admin.post(
        "/api/admin/models", json={"providerId": pid, "modelId": "my-finetune"}
    )
    assert custom.status_code == 201
    model_pk = custom.json()["model"]["id"]
    made_default = await admin.put(f"/api/admin/models/{model_pk}/default")
    assert made_default.json()["model"]["is_default"] is True
    listed = (await admin.get("/api/models")).json()["models"]
    assert [m["model_id"] for m in listed if m["is_default"]] == ["my-finetune"]
    assert listed[0]["model_id"] == "my-finetune"  # the default first
    twice = await admin.post(
        "/api/admin/models", json={"providerId": pid, "modelId": "my-finetune"}
    )
    assert twice.status_code == 400
    assert (await admin.get("/api/admin/models/999999")).status_code == 404
    assert (await admin.delete(f"/api/admin/models/{model_pk}")).status_code == 200
    assert (await admin.get(f"/api/admin/models/{model_pk}")).status_code == 404
    audit = (await admin.get("/api/admin/audit-log")).json()["logs"]
    model_actions = [e["action"] for e in audit if str(e.get("target", "")).startswith("model:")]
    assert model_actions.count("model_deleted") == 1
    assert model_actions.count("model_changed") >= 2  # created, made default


async def test_available_kinds(admin: Client) -> None:
    kinds = (await admin.get("/api/admin/providers/available")).json()["providers"]
    by_name = {k["name"]: k for k in kinds}
    assert by_name["openai"]["base_url"] == "https://api.openai.com/v1"
    assert by_name["anthropic"]["needs_key"] is True
    assert by_name["ollama"]["needs_key"] is False


@pytest.mark.parametrize(
    ("fake", "name"),
    [(FakeOpenAI(), "openai-compatible"), (FakeAnthropic(), "anthropic"), (FakeOllama(), "ollama")],
    ids=["openai", "anthropic", "ollama"],
)
async def test_a_reply_from_each_wire_format_is_streamed_and_stored(
    admin: Client, fake: FakeProvider, name: str
) -> None:
    fake.reset()
    fake.api_key = KEY
    with fake.serve_in_thread():
        body: dict[str, Any] = {"name": name, "baseUrl": fake.base_url, "apiKey": KEY}
        if name == "openai-compatible":
            body |= {"name": "local", "providerType": "openai-compatible"}
        assert (await admin.post("/api/admin/providers", json=body)).status_code == 201
        model = fake.models[0]
        chat_id = (await admin.post("/api/chats", json={})).json()["id"]
        response = await admin.post(
            f"/api/chats/{chat_id}/completion",
            json={"model": model, "messages": [{"role": "user", "content": "hello you"}]},
        )
        parts = ui_parts(response.text)
        assert reply_text(parts) == "".join(fake.reply_for("hello you"))
        assert parts[-2]["finishReason"] == "stop"
        stored = (await admin.get(f"/api/chats/{chat_id}/messages")).json()["messages"]
        assert stored[-1]["content"] == reply_text(parts)
        assert stored[-1]["status"] == "complete"


async def test_a_provider_failure_mid_stream_keeps_the_text_and_the_error(
    admin: Client, openai: FakeOpenAI
) -> None:
    await _add(admin, openai)
    chat_id = (await admin.post("/api/chats", json={})).json()["id"]
    openai.script.append(Behaviour(interrupt="cut", after_tokens=3))

    response = await admin.post(
        f"/api/chats/{chat_id}/completion",
        json={"model": "gpt-fake", "messages": [{"role": "user", "content": "a b c d e f g"}]},
    )

    assert response.status_code == 200  # the stream had begun
    parts = ui_parts(response.text)
    error = next(p for p in parts if p["type"] == "error")
    assert error["errorText"]
    assert parts[-2] == {"type": "finish", "finishReason": "error"}
    stored = (await admin.get(f"/api/chats/{chat_id}/messages")).json()["messages"][-1]
    assert stored["status"] == "failed"
    assert stored["error"] == error["errorText"]  # the reason, after a reload too
    assert stored["content"] == reply_text(parts) != ""


async def test_the_first_reply_brings_a_generated_title(admin: Client, openai: FakeOpenAI) -> None:
    await _add(admin, openai)
    chat_id = (await admin.post("/api/chats", json={})).json()["id"]
    await admin.post(
        f"/api/chats/{chat_id}/completion",
        json={"model": "gpt-fake", "messages": [{"role": "user", "content": "plan a trip"}]},
    )
    for _ in range(100):
        title = (await admin.get(f"/api/chats/{chat_id}")).json()["title"]
        if title != "plan a trip":
            break
        await asyncio.sleep(0.02)
    # The fake echoes what it is asked: the title request's text comes back.
    assert title.startswith("Echo: Write a title")
    title_request = openai.requests[-1].body
    assert title_request["max_tokens"] == 24
    assert "plan a trip" in title_request["messages"][-1]["content"]


async def test_the_key_never_reaches_a_log_line(
    admin: Client,
    openai: FakeOpenAI,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    await _add(admin, openai)
    await _add(admin, openai, name="other", apiKey="sk-wrong-key-998877")
    captured = capsys.readouterr()
    everything = caplog.text + captured.out + captured.err
    assert KEY not in everything
    assert "sk-wrong-key-998877" not in everything


async def test_the_storage_holds_a_sealed_key(
    admin: Client, openai: FakeOpenAI, settings: Settings
) -> None:
    await _add(admin, openai)
    storage = await SqliteStorage.open(Path(settings.data_dir) / "chatport.db")
    try:
        async with storage.read() as uow:
            (provider,) = await uow.providers.list_all()
    finally:
        await storage.close()
    assert provider.api_key_ciphertext is not None
    assert provider.api_key_ciphertext.startswith("v1.")
    assert KEY not in provider.api_key_ciphertext


async def test_the_chats_system_prompt_leads_the_prompt_in_each_wire_format(
    admin: Client, openai: FakeOpenAI
) -> None:
    await _add(admin, openai)
    chat_id = (await admin.post("/api/chats", json={})).json()["id"]
    patched = await admin.patch(f"/api/chats/{chat_id}", json={"systemPrompt": "Answer in French."})
    assert patched.json()["systemPrompt"] == "Answer in French."
    assert patched.json()["title"] is None  # left out, left alone
    for text in ("first", "second"):
        await admin.post(
            f"/api/chats/{chat_id}/completion",
            json={"model": "gpt-fake", "messages": [{"role": "user", "content": text}]},
        )

    sent = next(
        r.body
        for r in openai.requests
        if r.body and r.body.get("messages", [{}])[-1].get("content") == "second"
    )
    roles = [(m["role"], m["content"]) for m in sent["messages"]]
    assert roles[0] == ("system", "Answer in French.")
    assert [r for r, _ in roles[1:]] == ["user", "assistant", "user"]
    assert roles[-1] == ("user", "second")
    too_long = await admin.patch(f"/api/chats/{chat_id}", json={"systemPrompt": "x" * 20_001})
    assert too_long.status_code == 400
    assert (await admin.get(f"/api/chats/{chat_id}")).json()["systemPrompt"] == "Answer in French."
