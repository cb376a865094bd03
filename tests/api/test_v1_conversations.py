"""REST API v1 conversations: create, cursor pages, get with messages, update,
pin, delete; another user's conversation is a 404 everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from chatport.config import Settings
from tests.api.conftest import add_user, logged_in, v1_auth

Client = AsyncTestClient[Litestar]
BASE = "/api/v1/conversations"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path), demo_provider=True, demo_token_delay=0.0)


async def _create(client: Client, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(BASE, json=body, headers=auth)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_create_and_get_with_messages(admin: Client) -> None:
    auth = await v1_auth(admin)
    made = await _create(admin, auth, title="Trip", model="echo", system_prompt="Be brief.")
    assert made["title"] == "Trip" and made["model"] == "echo"
    assert made["system_prompt"] == "Be brief."
    assert made["pinned"] is False and made["archived"] is False
    assert made["message_count"] == 0 and made["last_message_at"] is None
    assert made["created_at"].endswith("Z")
    # A reply through the web door fills it: it is the same chat.
    await admin.post(
        f"/api/chats/{made['id']}/completion",
        json={"model": "echo", "messages": [{"role": "user", "content": "hello"}]},
    )

    got = await admin.get(f"{BASE}/{made['id']}", headers=auth)

    data = got.json()["data"]
    assert data["message_count"] == 2
    assert data["last_message_at"] is not None
    assert [(m["role"], m["status"]) for m in data["messages"]] == [
        ("user", "complete"),
        ("assistant", "complete"),
    ]
    reply = data["messages"][1]
    assert reply["conversation_id"] == made["id"]
    assert reply["usage"]["completion_tokens"] > 0
    assert "hello" in reply["content"]


@pytest.mark.parametrize(
    "body",
    [{"model": "gpt-9"}, {"title": "x" * 201}, {"colour": "red"}, {"system_prompt": 5}],
)
async def test_bad_input_is_422_and_creates_nothing(admin: Client, body: dict[str, Any]) -> None:
    auth = await v1_auth(admin)
    response = await admin.post(BASE, json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert (await admin.get(BASE, headers=auth)).json()["data"] == []


async def test_cursor_pages_walk_every_conversation_once_pinned_first(admin: Client) -> None:
    auth = await v1_auth(admin)
    ids = [(await _create(admin, auth, title=f"c{n}"))["id"] for n in range(7)]
    await admin.post(f"{BASE}/{ids[2]}/pin", headers=auth)

    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"per_page": 3, **({"cursor": cursor} if cursor else {})}
        page = (await admin.get(BASE, params=params, headers=auth)).json()
        seen += [c["id"] for c in page["data"]]
        pagination = page["meta"]["pagination"]
        assert pagination["per_page"] == 3
        if not pagination["has_more"]:
            assert pagination["next_cursor"] is None
            break
        cursor = pagination["next_cursor"]
        # A conversation made between pages is never read as a repeat or a gap.
        await _create(admin, auth, title="meanwhile")

    original = [i for i in seen if i in ids]
    assert original[0] == ids[2]  # pinned first
    assert sorted(original) == sorted(ids) and len(original) == len(set(original))
    assert original[1:] == [i for i in reversed(ids) if i != ids[2]]
    bad = await admin.get(BASE, params={"cursor": "not-a-cursor"}, headers=auth)
    assert bad.status_code == 422
    too_many = await admin.get(BASE, params={"per_page": 101}, headers=auth)
    assert too_many.status_code == 422


async def test_update_archive_search_pin_and_delete(admin: Client) -> None:
    auth = await v1_auth(admin)
    conv = await _create(admin, auth, title="Plans")
    other = await _create(admin, auth, title="Recipes")
    folder = (await admin.post("/api/folders", json={"name": "Work"})).json()["folder"]

    updated = await admin.put(
        f"{BASE}/{conv['id']}",
        json={"title": "Holiday plans", "model": "echo", "folder_id": folder["id"]},
        headers=auth,
    )
    assert updated.status_code == 200, updated.text
    data = updated.json()["data"]
    assert (data["title"], data["model"], data["folder_id"]) == (
        "Holiday plans",
        "echo",
        folder["id"],
    )
    assert data["system_prompt"] is None  # left out, left alone
    found = (await admin.get(BASE, params={"q": "holiday"}, headers=auth)).json()["data"]
    assert [c["id"] for c in found] == [conv["id"]]

    archived = await admin.put(f"{BASE}/{other['id']}", json={"archived": True}, headers=auth)
    assert archived.json()["data"]["archived"] is True
    live = [c["id"] for c in (await admin.get(BASE, headers=auth)).json()["data"]]
    assert live == [conv["id"]]
    listed = await admin.get(BASE, params={"archived": "true"}, headers=auth)
    assert [c["id"] for c in listed.json()["data"]] == [other["id"]]

    pinned = await admin.post(f"{BASE}/{conv['id']}/pin", headers=auth)
    assert pinned.json()["data"]["pinned"] is True
    assert pinned.json()["data"]["pinned_at"] is not None
    unpinned = await admin.post(f"{BASE}/{conv['id']}/unpin", headers=auth)
    assert unpinned.json()["data"]["pinned"] is False
    assert (await admin.delete(f"{BASE}/{conv['id']}", headers=auth)).status_code == 204
    gone = await admin.get(f"{BASE}/{conv['id']}", headers=auth)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "NOT_FOUND"


async def test_another_users_conversation_is_404_everywhere(admin: Client, app: Litestar) -> None:
    auth = await v1_auth(admin)
    conv = await _create(admin, auth, title="Mine")
    await add_user(admin, "bob")
    async with logged_in(app, "bob") as bob:
        bobs = await v1_auth(bob, "bob")
        for method, path, body in [
            ("GET", f"{BASE}/{conv['id']}", None),
            ("PUT", f"{BASE}/{conv['id']}", {"title": "Bob's now"}),
            ("DELETE", f"{BASE}/{conv['id']}", None),
            ("POST", f"{BASE}/{conv['id']}/pin", None),
            ("POST", f"{BASE}/{conv['id']}/unpin", None),
        ]:
            response = await bob.request(method, path, json=body, headers=bobs)
            assert response.status_code == 404, (method, path)
        assert (await bob.get(BASE, headers=bobs)).json()["data"] == []
        bad_folder = await admin.put(
            f"{BASE}/{conv['id']}", json={"folder_id": "nope"}, headers=auth
        )
        assert bad_folder.status_code == 404
    mine = (await admin.get(f"{BASE}/{conv['id']}", headers=auth)).json()["data"]
    assert mine["title"] == "Mine" and mine["pinned"] is False and mine["folder_id"] is None


async def test_messages_page_forward_by_cursor_and_back_by_id(admin: Client) -> None:
    auth = await v1_auth(admin)
    conv = await _create(admin, auth, title="Long talk")
    for n in range(5):
        posted = await admin.post(
            f"/api/chats/{conv['id']}/messages", json={"role": "user", "content": f"m{n}"}
        )
        assert posted.status_code == 201

    contents: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"per_page": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await admin.get(f"{BASE}/{conv['id']}/messages", params=params, headers=auth)
        ).json()
        contents += [m["content"] for m in page["data"]]
        cursor = page["meta"]["pagination"]["next_cursor"]
        if cursor is None:
            break
    assert contents == ["m0", "m1", "m2", "m3", "m4"]

    everything = (
        await admin.get(f"{BASE}/{conv['id']}/messages", params={"per_page": 100}, headers=auth)
    ).json()["data"]
    back = await admin.get(
        f"{BASE}/{conv['id']}/messages",
        params={"per_page": 2, "before": everything[3]["id"]},
        headers=auth,
    )
    assert [m["content"] for m in back.json()["data"]] == ["m1", "m2"]
    bad = await admin.get(f"{BASE}/{conv['id']}/messages", params={"cursor": "x"}, headers=auth)
    assert bad.status_code == 422
    idle = await admin.post(f"{BASE}/{conv['id']}/stop", headers=auth)
    assert idle.status_code == 409
    assert idle.json()["error"]["code"] == "CONFLICT"


async def test_another_users_messages_are_404(admin: Client, app: Litestar) -> None:
    auth = await v1_auth(admin)
    conv = await _create(admin, auth, title="Mine")
    await add_user(admin, "bob")
    async with logged_in(app, "bob") as bob:
        bobs = await v1_auth(bob, "bob")
        listed = await bob.get(f"{BASE}/{conv['id']}/messages", headers=bobs)
        stopped = await bob.post(f"{BASE}/{conv['id']}/stop", headers=bobs)
    assert listed.status_code == stopped.status_code == 404
