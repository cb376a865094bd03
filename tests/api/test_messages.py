"""/api/chats/:chatId/messages."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.support import ManualClock

Client = AsyncTestClient[Litestar]


async def _chat(client: Client) -> str:
    chat_id: str = (await client.post("/api/chats", json={})).json()["id"]
    return chat_id


async def test_create_and_list_oldest_first(admin: Client, clock: ManualClock) -> None:
    chat = await _chat(admin)
    first = await admin.post(
        f"/api/chats/{chat}/messages", json={"role": "user", "content": "What is React?"}
    )
    assert first.status_code == 201
    body = first.json()
    assert body["chatId"] == chat
    assert body["role"] == "user"
    assert body["content"] == "What is React?"
    assert body["model"] is None and body["fileIds"] is None and body["metadata"] is None
    assert body["status"] == "complete"
    assert isinstance(body["createdAt"], int)
    clock.advance(1)
    await admin.post(
        f"/api/chats/{chat}/messages",
        json={
            "role": "assistant",
            "content": "A JavaScript library.",
            "model": "gpt-4o",
            "metadata": {"source": "test", "n": 1},
        },
    )
    listed = (await admin.get(f"/api/chats/{chat}/messages")).json()
    assert listed["limit"] == 200 and listed["offset"] == 0
    assert [(m["role"], m["content"]) for m in listed["messages"]] == [
        ("user", "What is React?"),
        ("assistant", "A JavaScript library."),
    ]
    assert listed["messages"][1]["model"] == "gpt-4o"
    assert listed["messages"][1]["metadata"] == {"source": "test", "n": 1}


async def test_first_user_message_titles_the_chat(admin: Client, clock: ManualClock) -> None:
    chat = await _chat(admin)
    await admin.post(
        f"/api/chats/{chat}/messages", json={"role": "system", "content": "You are terse."}
    )
    assert (await admin.get(f"/api/chats/{chat}")).json()["title"] is None
    await admin.post(
        f"/api/chats/{chat}/messages",
        json={"role": "user", "content": "  Explain\nclosures in JavaScript  "},
    )
    await admin.post(f"/api/chats/{chat}/messages", json={"role": "user", "content": "Another"})
    assert (await admin.get(f"/api/chats/{chat}")).json()["title"] == (
        "Explain closures in JavaScript"
    )


async def test_a_new_message_moves_the_chat_up(admin: Client, clock: ManualClock) -> None:
    older = await _chat(admin)
    clock.advance(1)
    await _chat(admin)
    clock.advance(1)
    await admin.post(f"/api/chats/{older}/messages", json={"role": "user", "content": "bump"})
    chats = (await admin.get("/api/chats")).json()["chats"]
    assert chats[0]["id"] == older


async def test_pagination_and_limits(admin: Client, clock: ManualClock) -> None:
    chat = await _chat(admin)
    for n in range(4):
        await admin.post(f"/api/chats/{chat}/messages", json={"role": "user", "content": f"m{n}"})
        clock.advance(1)
    page = (await admin.get(f"/api/chats/{chat}/messages?limit=2&offset=1")).json()
    assert [m["content"] for m in page["messages"]] == ["m1", "m2"]
    assert (await admin.get(f"/api/chats/{chat}/messages?limit=501")).status_code == 400
    assert (await admin.get(f"/api/chats/{chat}/messages?limit=500")).status_code == 200


async def test_bad_messages_are_refused_and_nothing_is_stored(admin: Client) -> None:
    chat = await _chat(admin)
    for body in (
        {"role": "user"},
        {"content": "no role"},
        {"role": "robot", "content": "x"},
        {"role": "user", "content": "x" * 100_001},
        {"role": "user", "content": 42},
        {"role": "user", "content": "x", "metadata": "not an object"},
        {"role": "user", "content": "x", "id": "not-a-uuid"},
    ):
        response = await admin.post(f"/api/chats/{chat}/messages", json=body)
        assert response.status_code == 400, body
        assert response.json()["error"] == "Invalid input"
        assert response.json().get("details"), body
    assert (await admin.get(f"/api/chats/{chat}/messages")).json()["messages"] == []
    assert (await admin.get(f"/api/chats/{chat}")).json()["title"] is None


async def test_content_of_100000_characters_is_accepted(admin: Client) -> None:
    chat = await _chat(admin)
    response = await admin.post(
        f"/api/chats/{chat}/messages", json={"role": "user", "content": "x" * 100_000}
    )
    assert response.status_code == 201


async def test_client_chosen_message_id(admin: Client) -> None:
    chat = await _chat(admin)
    message_id = str(uuid.uuid4())
    created = await admin.post(
        f"/api/chats/{chat}/messages", json={"id": message_id, "role": "user", "content": "hi"}
    )
    assert created.json()["id"] == message_id
    again = await admin.post(
        f"/api/chats/{chat}/messages", json={"id": message_id, "role": "user", "content": "hi"}
    )
    assert again.status_code == 409
    assert len((await admin.get(f"/api/chats/{chat}/messages")).json()["messages"]) == 1


async def test_attachments_must_belong_to_the_user(admin: Client) -> None:
    chat = await _chat(admin)
    response = await admin.post(
        f"/api/chats/{chat}/messages",
        json={"role": "user", "content": "see file", "fileIds": [str(uuid.uuid4())]},
    )
    assert response.status_code == 403
    assert response.json() == {"error": "Invalid attachments"}
    assert (await admin.get(f"/api/chats/{chat}/messages")).json()["messages"] == []


async def test_delete_a_message(admin: Client) -> None:
    chat = await _chat(admin)
    kept = (
        await admin.post(f"/api/chats/{chat}/messages", json={"role": "user", "content": "keep"})
    ).json()
    gone = (
        await admin.post(f"/api/chats/{chat}/messages", json={"role": "user", "content": "drop"})
    ).json()
    deleted = await admin.delete(f"/api/chats/{chat}/messages/{gone['id']}")
    assert deleted.json() == {"message": "Message deleted successfully"}
    ids = [m["id"] for m in (await admin.get(f"/api/chats/{chat}/messages")).json()["messages"]]
    assert ids == [kept["id"]]
    again = await admin.delete(f"/api/chats/{chat}/messages/{gone['id']}")
    assert again.status_code == 404
    assert again.json() == {"error": "Message not found"}


async def test_a_message_cannot_be_deleted_through_another_chat(admin: Client) -> None:
    chat = await _chat(admin)
    other = await _chat(admin)
    message = (
        await admin.post(f"/api/chats/{chat}/messages", json={"role": "user", "content": "x"})
    ).json()
    response = await admin.delete(f"/api/chats/{other}/messages/{message['id']}")
    assert response.status_code == 404
    assert len((await admin.get(f"/api/chats/{chat}/messages")).json()["messages"]) == 1
