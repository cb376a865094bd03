"""/api/chats: the user's chats."""

from __future__ import annotations

import uuid

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.support import ManualClock

Client = AsyncTestClient[Litestar]


async def _chat(client: Client | httpx.AsyncClient, title: str | None = None) -> str:
    response = await client.post("/api/chats", json={"title": title} if title else {})
    assert response.status_code == 201, response.text
    chat_id: str = response.json()["id"]
    return chat_id


async def _titles(client: Client | httpx.AsyncClient, query: str = "") -> list[str | None]:
    response = await client.get(f"/api/chats{query}")
    assert response.status_code == 200, response.text
    return [c["title"] for c in response.json()["chats"]]


async def test_create_and_get(admin: Client) -> None:
    created = await admin.post("/api/chats", json={"title": "My new chat"})
    assert created.status_code == 201
    chat = created.json()
    uuid.UUID(chat["id"])
    assert chat["title"] == "My new chat"
    assert chat["folderId"] is None
    assert chat["createdAt"] == chat["updatedAt"]
    fetched = (await admin.get(f"/api/chats/{chat['id']}")).json()
    assert fetched["memoryDisabled"] is False
    assert fetched["pinnedAt"] is None and fetched["archivedAt"] is None
    assert fetched["title"] == "My new chat"


async def test_create_with_a_client_id(admin: Client) -> None:
    chat_id = str(uuid.uuid4())
    created = await admin.post("/api/chats", json={"id": chat_id})
    assert created.status_code == 201
    assert created.json()["id"] == chat_id
    again = await admin.post("/api/chats", json={"id": chat_id})
    assert again.status_code == 409
    bad = await admin.post("/api/chats", json={"id": "not-a-uuid"})
    assert bad.status_code == 400
    assert bad.json()["details"][0]["path"] == ["id"]
    assert len(await _titles(admin)) == 1


async def test_create_in_a_folder(admin: Client) -> None:
    folder = (await admin.post("/api/folders", json={"name": "Work"})).json()["folder"]
    created = await admin.post("/api/chats", json={"folder_id": folder["id"]})
    assert created.json()["folderId"] == folder["id"]
    missing = await admin.post("/api/chats", json={"folder_id": str(uuid.uuid4())})
    assert missing.status_code == 404
    assert len(await _titles(admin)) == 1


async def test_list_pages_with_limit_and_offset(admin: Client, clock: ManualClock) -> None:
    for n in range(5):
        await _chat(admin, f"chat {n}")
        clock.advance(1)
    page = (await admin.get("/api/chats?limit=2&offset=1")).json()
    assert page["limit"] == 2 and page["offset"] == 1
    assert [c["title"] for c in page["chats"]] == ["chat 3", "chat 2"]
    default = (await admin.get("/api/chats")).json()
    assert default["limit"] == 50 and default["offset"] == 0


async def test_list_limits_are_enforced(admin: Client) -> None:
    for query in ("?limit=101", "?limit=0", "?offset=-1", "?limit=abc"):
        response = await admin.get(f"/api/chats{query}")
        assert response.status_code == 400, query
        assert response.json()["error"] == "Invalid input"


async def test_pinned_first_then_most_recent(admin: Client, clock: ManualClock) -> None:
    first = await _chat(admin, "first")
    clock.advance(1)
    second = await _chat(admin, "second")
    clock.advance(1)
    await _chat(admin, "third")
    clock.advance(1)
    assert (await admin.post(f"/api/chats/{first}/pin")).json() == {
        "message": "Chat pinned successfully"
    }
    assert await _titles(admin) == ["first", "third", "second"]
    pinned = (await admin.get(f"/api/chats/{first}")).json()
    assert pinned["pinnedAt"] is not None
    assert (await admin.delete(f"/api/chats/{first}/pin")).json() == {
        "message": "Chat unpinned successfully"
    }
    clock.advance(1)
    assert await _titles(admin) == ["first", "third", "second"]  # unpinning touched it
    await admin.patch(f"/api/chats/{second}", json={"title": "second, renamed"})
    assert await _titles(admin) == ["second, renamed", "first", "third"]


async def test_archive_and_unarchive(admin: Client) -> None:
    chat = await _chat(admin, "old")
    await _chat(admin, "current")
    archived = await admin.post(f"/api/chats/{chat}/archive")
    assert archived.json() == {"message": "Chat archived successfully"}
    assert await _titles(admin) == ["current"]
    assert await _titles(admin, "?archived=true") == ["old"]
    assert (await admin.get(f"/api/chats/{chat}")).json()["archivedAt"] is not None
    restored = await admin.delete(f"/api/chats/{chat}/archive")
    assert restored.json() == {"message": "Chat unarchived successfully"}
    assert sorted(await _titles(admin)) == ["current", "old"]
    assert await _titles(admin, "?archived=true") == []


async def test_rename(admin: Client) -> None:
    chat = await _chat(admin, "before")
    renamed = await admin.patch(f"/api/chats/{chat}", json={"title": "Updated title"})
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Updated title"
    too_long = await admin.patch(f"/api/chats/{chat}", json={"title": "x" * 201})
    assert too_long.status_code == 400
    wrong_type = await admin.patch(f"/api/chats/{chat}", json={"title": ["x"]})
    assert wrong_type.status_code == 400
    assert (await admin.get(f"/api/chats/{chat}")).json()["title"] == "Updated title"


async def test_soft_delete_hides_the_chat(admin: Client) -> None:
    chat = await _chat(admin, "doomed")
    deleted = await admin.delete(f"/api/chats/{chat}")
    assert deleted.status_code == 200
    assert deleted.json() == {"message": "Chat deleted successfully"}
    assert await _titles(admin) == []
    assert await _titles(admin, "?archived=true") == []
    assert (await admin.get(f"/api/chats/{chat}")).status_code == 404
    assert (await admin.delete(f"/api/chats/{chat}")).status_code == 404
    assert (await admin.get(f"/api/chats/{chat}/messages")).status_code == 404


async def test_memory_toggle(admin: Client) -> None:
    chat = await _chat(admin)
    response = await admin.put(f"/api/chats/{chat}/memory", json={"disabled": True})
    assert response.json() == {"disabled": True}
    assert (await admin.get(f"/api/chats/{chat}")).json()["memoryDisabled"] is True
    bad = await admin.put(f"/api/chats/{chat}/memory", json={"disabled": "maybe"})
    assert bad.status_code == 400
    missing = await admin.put(f"/api/chats/{chat}/memory", json={})
    assert missing.status_code == 400
    assert missing.json()["details"][0]["path"] == ["disabled"]
    assert (await admin.get(f"/api/chats/{chat}")).json()["memoryDisabled"] is True


async def test_unknown_chat_is_404_everywhere(admin: Client) -> None:
    ghost = str(uuid.uuid4())
    for method, path, body in [
        ("GET", f"/api/chats/{ghost}", None),
        ("PATCH", f"/api/chats/{ghost}", {"title": "x"}),
        ("DELETE", f"/api/chats/{ghost}", None),
        ("POST", f"/api/chats/{ghost}/pin", None),
        ("DELETE", f"/api/chats/{ghost}/pin", None),
        ("POST", f"/api/chats/{ghost}/archive", None),
        ("DELETE", f"/api/chats/{ghost}/archive", None),
        ("PUT", f"/api/chats/{ghost}/memory", {"disabled": True}),
        ("GET", f"/api/chats/{ghost}/messages", None),
        ("POST", f"/api/chats/{ghost}/messages", {"role": "user", "content": "hi"}),
    ]:
        response = await admin.request(method, path, json=body)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"error": "Chat not found"}


async def test_another_users_chat_is_404_and_unchanged(
    admin: Client, member: httpx.AsyncClient
) -> None:
    chat = await _chat(admin, "admin's")
    for method, path, body in [
        ("GET", f"/api/chats/{chat}", None),
        ("PATCH", f"/api/chats/{chat}", {"title": "pwned"}),
        ("DELETE", f"/api/chats/{chat}", None),
        ("POST", f"/api/chats/{chat}/pin", None),
        ("POST", f"/api/chats/{chat}/archive", None),
        ("PUT", f"/api/chats/{chat}/memory", {"disabled": True}),
        ("GET", f"/api/chats/{chat}/messages", None),
        ("POST", f"/api/chats/{chat}/messages", {"role": "user", "content": "hi"}),
    ]:
        response = await member.request(method, path, json=body)
        assert response.status_code == 404, (method, path)
    assert await _titles(member) == []
    mine = (await admin.get(f"/api/chats/{chat}")).json()
    assert mine["title"] == "admin's"
    assert mine["pinnedAt"] is None and mine["archivedAt"] is None
    assert mine["memoryDisabled"] is False
    assert (await admin.get(f"/api/chats/{chat}/messages")).json()["messages"] == []


async def test_chats_need_a_session(client: Client) -> None:
    for method, path in [("GET", "/api/chats"), ("POST", "/api/chats")]:
        response = await client.request(method, path, json={})
        assert response.status_code == 401
        assert response.json() == {"error": "Not logged in"}


async def test_readonly_users_can_chat(admin: Client, app: Litestar) -> None:
    from tests.api.conftest import add_user, logged_in

    await add_user(admin, "reader", role="readonly")
    async with logged_in(app, "reader") as reader:
        chat = await _chat(reader, "a readonly chat")
        sent = await reader.post(
            f"/api/chats/{chat}/messages", json={"role": "user", "content": "hello"}
        )
        assert sent.status_code == 201
        assert (await reader.get("/api/admin/users")).status_code == 403


async def test_search_finds_title_and_message_text_with_a_snippet(
    admin: Client, member: httpx.AsyncClient
) -> None:
    titled = await _chat(admin, "Lisbon itinerary")
    talked = await _chat(admin, "Holiday")
    words = "We land at nine. " * 10 + "Then trams through LISBON all day. " + "More words. " * 10
    posted = await admin.post(
        f"/api/chats/{talked}/messages", json={"role": "user", "content": words}
    )
    assert posted.status_code == 201
    await _chat(admin, "Porto")
    await _chat(member, "Lisbon too")  # another user's: never found

    response = await admin.get("/api/chats/search", params={"q": "lisbon"})

    assert response.status_code == 200
    hits = response.json()["chats"]
    assert [hit["id"] for hit in hits] == [talked, titled]
    assert "trams through LISBON all day" in hits[0]["snippet"]
    assert hits[0]["snippet"].startswith("…") and hits[0]["snippet"].endswith("…")
    assert len(hits[0]["snippet"]) < 200
    assert hits[1]["snippet"] == "Lisbon itinerary"
    assert hits[1]["title"] == "Lisbon itinerary"
    limited = await admin.get("/api/chats/search", params={"q": "i", "limit": 1})
    assert len(limited.json()["chats"]) == 1


async def test_search_refuses_an_empty_or_overlong_query(admin: Client) -> None:
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}, {"q": "a", "limit": 51}):
        response = await admin.get("/api/chats/search", params=params)
        assert response.status_code == 400, params
        assert response.json()["error"]
