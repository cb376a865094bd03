"""/api/folders."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]


async def _folder(client: Client, name: str = "Work", **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/folders", json={"name": name, **extra})
    assert response.status_code == 201, response.text
    folder: dict[str, Any] = response.json()["folder"]
    return folder


async def test_create_list_get(admin: Client) -> None:
    work = await _folder(admin, "Work", color="#ff5733")
    assert work["name"] == "Work"
    assert work["color"] == "#FF5733"
    assert work["position"] == 0
    assert work["is_collapsed"] == 0
    assert work["user_id"] == 1
    assert isinstance(work["created_at"], int) and isinstance(work["updated_at"], int)
    home = await _folder(admin, "Home")
    assert home["position"] == 1
    first = await _folder(admin, "Inbox", position=0)
    assert first["color"] is None
    listed = (await admin.get("/api/folders")).json()["folders"]
    assert [f["name"] for f in listed] == ["Work", "Inbox", "Home"]
    assert (await admin.get(f"/api/folders/{home['id']}")).json() == {"folder": home}


async def test_bad_folders_are_refused(admin: Client) -> None:
    for body in (
        {},
        {"name": ""},
        {"name": "x" * 51},
        {"name": "Work", "color": "red"},
        {"name": "Work", "position": "first"},
        {"name": "Work", "position": -1},
    ):
        response = await admin.post("/api/folders", json=body)
        assert response.status_code == 400, body
        assert response.json()["details"], body
    assert (await admin.post("/api/folders", json={"name": "   "})).status_code == 400
    assert (await admin.get("/api/folders")).json()["folders"] == []


async def test_update_and_toggle(admin: Client) -> None:
    folder = await _folder(admin, "Work", color="#000000")
    updated = await admin.put(
        f"/api/folders/{folder['id']}", json={"name": "Office", "is_collapsed": True}
    )
    assert updated.status_code == 200
    body = updated.json()["folder"]
    assert body["name"] == "Office"
    assert body["is_collapsed"] == 1
    assert body["color"] == "#000000"  # untouched
    cleared = (await admin.put(f"/api/folders/{folder['id']}", json={"color": None})).json()
    assert cleared["folder"]["color"] is None
    toggled = (await admin.post(f"/api/folders/{folder['id']}/toggle")).json()["folder"]
    assert toggled["is_collapsed"] == 0
    bad = await admin.put(f"/api/folders/{folder['id']}", json={"name": "x" * 51})
    assert bad.status_code == 400
    assert (await admin.get(f"/api/folders/{folder['id']}")).json()["folder"]["name"] == "Office"


async def test_move_chats_in_and_out(admin: Client) -> None:
    folder = await _folder(admin)
    chat = (await admin.post("/api/chats", json={"title": "plan"})).json()
    moved = await admin.put(f"/api/folders/{folder['id']}/chats/{chat['id']}")
    assert moved.status_code == 200
    assert moved.json()["chat"]["folderId"] == folder["id"]
    inside = (await admin.get(f"/api/folders/{folder['id']}/chats")).json()["chats"]
    assert [(c["id"], c["folder_id"]) for c in inside] == [(chat["id"], folder["id"])]
    assert set(inside[0]) >= {"id", "title", "folder_id", "created_at", "updated_at"}
    out = await admin.put(f"/api/folders/none/chats/{chat['id']}")
    assert out.json()["chat"]["folderId"] is None
    assert (await admin.get(f"/api/folders/{folder['id']}/chats")).json()["chats"] == []


async def test_move_to_unknown_chat_or_folder(admin: Client) -> None:
    folder = await _folder(admin)
    chat = (await admin.post("/api/chats", json={})).json()
    for path in (
        f"/api/folders/{uuid.uuid4()}/chats/{chat['id']}",
        f"/api/folders/{folder['id']}/chats/{uuid.uuid4()}",
    ):
        response = await admin.put(path)
        assert response.status_code == 404
        assert response.json() == {"error": "Chat or folder not found"}
    assert (await admin.get(f"/api/chats/{chat['id']}")).json()["folderId"] is None


async def test_deleting_a_folder_keeps_its_chats(admin: Client) -> None:
    folder = await _folder(admin)
    chat = (await admin.post("/api/chats", json={"folder_id": folder["id"]})).json()
    deleted = await admin.delete(f"/api/folders/{folder['id']}")
    assert deleted.json() == {"success": True}
    assert (await admin.get(f"/api/folders/{folder['id']}")).status_code == 404
    assert (await admin.get(f"/api/chats/{chat['id']}")).json()["folderId"] is None
    assert (await admin.delete(f"/api/folders/{folder['id']}")).status_code == 404


async def test_folder_chats_leave_out_archived_and_deleted(admin: Client) -> None:
    folder = await _folder(admin)
    ids = []
    for title in ("live", "archived", "deleted"):
        chat = await admin.post("/api/chats", json={"title": title, "folder_id": folder["id"]})
        ids.append(chat.json()["id"])
    await admin.post(f"/api/chats/{ids[1]}/archive")
    await admin.delete(f"/api/chats/{ids[2]}")
    chats = (await admin.get(f"/api/folders/{folder['id']}/chats")).json()["chats"]
    assert [c["title"] for c in chats] == ["live"]


async def test_another_users_folder_is_404_and_unchanged(
    admin: Client, member: httpx.AsyncClient
) -> None:
    folder = await _folder(admin)
    chat = (await admin.post("/api/chats", json={})).json()
    theirs = (await member.post("/api/chats", json={})).json()
    for method, path, body in [
        ("GET", f"/api/folders/{folder['id']}", None),
        ("PUT", f"/api/folders/{folder['id']}", {"name": "pwned"}),
        ("POST", f"/api/folders/{folder['id']}/toggle", None),
        ("DELETE", f"/api/folders/{folder['id']}", None),
        ("GET", f"/api/folders/{folder['id']}/chats", None),
        ("PUT", f"/api/folders/{folder['id']}/chats/{theirs['id']}", None),
        ("PUT", f"/api/folders/none/chats/{chat['id']}", None),
    ]:
        response = await member.request(method, path, json=body)
        assert response.status_code == 404, (method, path)
    assert (await member.get("/api/folders")).json()["folders"] == []
    mine = (await admin.get(f"/api/folders/{folder['id']}")).json()["folder"]
    assert mine["name"] == "Work" and mine["is_collapsed"] == 0
    # Nor can a chat be filed into someone else's folder at creation.
    sneaky = await member.post("/api/chats", json={"folder_id": folder["id"]})
    assert sneaky.status_code == 404
