"""Files attached to messages: only the user's own, images only to models with
vision, and each provider given them in its own wire format (images as image
parts, text files and PDFs inlined with their names)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from chatport.config import Settings
from tests.api.conftest import add_user, logged_in
from tests.api.streams import reply_text, ui_parts
from tests.fakes import FakeAnthropic, FakeOllama, FakeOpenAI, FakeProvider
from tests.samples import make_pdf

Client = AsyncTestClient[Litestar]
KEY = "sk-attachments-0123456789"
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PIXEL_B64 = base64.b64encode(PIXEL).decode()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path), demo_provider=True, demo_token_delay=0.0)


async def _upload(client: Client | httpx.AsyncClient, name: str, data: bytes) -> str:
    response = await client.post("/api/files", files={"file": (name, data)})
    assert response.status_code == 201, (response.status_code, response.text)
    file_id: str = response.json()["id"]
    return file_id


async def _chat(client: Client | httpx.AsyncClient) -> str:
    chat_id: str = (await client.post("/api/chats", json={})).json()["id"]
    return chat_id


def _ask(model: str, text: str, file_ids: list[str]) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text, "fileIds": file_ids}]}


async def _messages(client: Client | httpx.AsyncClient, chat_id: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = (await client.get(f"/api/chats/{chat_id}/messages")).json()[
        "messages"
    ]
    return messages


async def test_a_text_file_is_inlined_and_the_message_keeps_its_ids(admin: Client) -> None:
    file_id = await _upload(admin, "notes.md", b"# Plan\n\nBuy milk.\n")
    chat_id = await _chat(admin)

    response = await admin.post(
        f"/api/chats/{chat_id}/completion", json=_ask("echo", "summarise", [file_id])
    )

    reply = reply_text(ui_parts(response.text))
    assert "summarise" in reply
    assert '<file name="notes.md" type="text/markdown">' in reply
    assert "Buy milk." in reply
    stored = await _messages(admin, chat_id)
    assert stored[0]["fileIds"] == [file_id]
    assert stored[0]["content"] == "summarise"  # the file is shown, not copied in


async def test_a_pdfs_text_is_inlined(admin: Client) -> None:
    file_id = await _upload(admin, "paper.pdf", make_pdf("Findings: cats sleep a lot."))
    chat_id = await _chat(admin)

    response = await admin.post(
        f"/api/chats/{chat_id}/completion", json=_ask("echo", "read this", [file_id])
    )

    reply = reply_text(ui_parts(response.text))
    assert '<file name="paper.pdf" type="application/pdf">' in reply
    assert "Findings: cats sleep a lot." in reply


async def test_someone_elses_or_an_unknown_file_is_403_and_nothing_is_stored(
    admin: Client, app: Litestar
) -> None:
    await add_user(admin, "bob")
    async with logged_in(app, "bob") as bob:
        bobs_file = await _upload(bob, "bob.txt", b"bob's secret\n")
    chat_id = await _chat(admin)

    for ids in ([bobs_file], ["01a00000-0000-7000-8000-000000000000"]):
        completion = await admin.post(
            f"/api/chats/{chat_id}/completion", json=_ask("echo", "hi", ids)
        )
        message = await admin.post(
            f"/api/chats/{chat_id}/messages",
            json={"role": "user", "content": "hi", "fileIds": ids},
        )
        assert completion.status_code == message.status_code == 403
        assert completion.json() == {"error": "Invalid attachments"}
    assert await _messages(admin, chat_id) == []


async def test_an_image_to_a_model_without_vision_is_400_naming_it(admin: Client) -> None:
    file_id = await _upload(admin, "pixel.png", PIXEL)
    chat_id = await _chat(admin)

    response = await admin.post(
        f"/api/chats/{chat_id}/completion", json=_ask("echo", "what is it", [file_id])
    )

    assert response.status_code == 400
    assert response.json()["error"].startswith("Echo (demo, offline) (echo) cannot read images")
    assert await _messages(admin, chat_id) == []


async def _add_provider(admin: Client, fake: FakeProvider, name: str) -> None:
    body: dict[str, Any] = {"name": name, "baseUrl": fake.base_url, "apiKey": KEY}
    if name == "openai-compatible":
        body |= {"name": "local", "providerType": "openai-compatible"}
    added = await admin.post("/api/admin/providers", json=body)
    assert added.status_code == 201, added.text


async def _with_vision(admin: Client, model_id: str) -> None:
    models = (await admin.get("/api/admin/models")).json()["models"]
    model = next(m for m in models if m["model_id"] == model_id)
    changed = await admin.put(f"/api/admin/models/{model['id']}", json={"supportsVision": True})
    assert changed.status_code == 200, changed.text


# The user's turn with a text file and an image, as each provider's API takes it.
def _expected_turn(kind: str, text: str) -> dict[str, Any]:
    if kind == "openai":
        return {
            "role": "user",
            "content": [
                {"type": "text", "text": text},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL_B64}"}},
            ],
        }
    if kind == "anthropic":
        return {
            "role": "user",
            "content": [
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": PIXEL_B64},
                },
                {"type": "text", "text": text},
            ],
        }
    return {"role": "user", "content": text, "images": [PIXEL_B64]}


@pytest.mark.parametrize(
    ("fake", "name", "kind"),
    [
        (FakeOpenAI(), "openai-compatible", "openai"),
        (FakeAnthropic(), "anthropic", "anthropic"),
        (FakeOllama(), "ollama", "ollama"),
    ],
    ids=["openai", "anthropic", "ollama"],
)
async def test_attachments_reach_each_provider_in_its_wire_format(
    admin: Client, fake: FakeProvider, name: str, kind: str
) -> None:
    fake.reset()
    fake.api_key = KEY
    with fake.serve_in_thread():
        await _add_provider(admin, fake, name)
        model = fake.models[0]
        await _with_vision(admin, model)
        text_id = await _upload(admin, "data.csv", b"a,b\n1,2\n")
        image_id = await _upload(admin, "pixel.png", PIXEL)
        chat_id = await _chat(admin)

        response = await admin.post(
            f"/api/chats/{chat_id}/completion",
            json=_ask(model, "look", [text_id, image_id]),
        )

    assert response.status_code == 200, response.text
    chat_call = next(r for r in fake.requests if r.method == "POST" and r.body.get("stream"))
    turn = chat_call.body["messages"][-1]
    inlined = 'look\n\n<file name="data.csv" type="text/csv">\na,b\n1,2\n\n</file>'
    assert turn == _expected_turn(kind, inlined)


async def test_a_stored_message_may_attach_the_users_own_files(admin: Client) -> None:
    file_id = await _upload(admin, "notes.txt", b"remember this\n")
    chat_id = await _chat(admin)

    made = await admin.post(
        f"/api/chats/{chat_id}/messages",
        json={"role": "user", "content": "see file", "fileIds": [file_id, file_id]},
    )

    assert made.status_code == 201, made.text
    assert made.json()["fileIds"] == [file_id]
    assert (await _messages(admin, chat_id))[0]["fileIds"] == [file_id]
