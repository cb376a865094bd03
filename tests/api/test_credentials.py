"""A user's own provider keys, on both doors: set, replaced, listed without the key,
removed; each user's own; sealed at rest."""

from __future__ import annotations

from pathlib import Path

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from chatport.config import Settings
from tests.api.conftest import v1_auth

Client = AsyncTestClient[Litestar]
KEY = "sk-user-own-key-0123456789"


async def test_v1_keys_set_replace_list_remove(admin: Client, settings: Settings) -> None:
    auth = await v1_auth(admin)
    me = await admin.get("/api/v1/auth/me", headers=auth)
    assert me.json()["data"]["flags"]["has_credentials"] is False  # no provider at all

    put = await admin.put("/api/v1/credentials/openai", json={"api_key": KEY}, headers=auth)
    assert put.status_code == 200, put.text
    assert put.json()["data"]["provider"] == "openai"
    assert put.json()["data"]["has_key"] is True
    again = await admin.put("/api/v1/credentials/openai", json={"api_key": KEY + "2"}, headers=auth)
    assert again.status_code == 200
    listed = await admin.get("/api/v1/credentials", headers=auth)
    assert [c["provider"] for c in listed.json()["data"]] == ["openai"]
    assert KEY not in listed.text
    assert KEY.encode() not in (Path(settings.data_dir) / "chatport.db").read_bytes()
    me = await admin.get("/api/v1/auth/me", headers=auth)
    assert me.json()["data"]["flags"]["has_credentials"] is True

    assert (await admin.delete("/api/v1/credentials/openai", headers=auth)).status_code == 204
    assert (await admin.get("/api/v1/credentials", headers=auth)).json()["data"] == []
    gone = await admin.delete("/api/v1/credentials/openai", headers=auth)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "NOT_FOUND"


async def test_unknown_providers_and_bad_keys_change_nothing(admin: Client) -> None:
    auth = await v1_auth(admin)
    for provider, body, status in [
        ("ollama", {"api_key": KEY}, 404),
        ("nope", {"api_key": KEY}, 404),
        ("openai", {"api_key": ""}, 422),
        ("openai", {"key": KEY}, 422),
        ("openai", {"api_key": "x" * 501}, 422),
    ]:
        response = await admin.put(f"/api/v1/credentials/{provider}", json=body, headers=auth)
        assert response.status_code == status, (provider, body, response.text)
    assert (await admin.get("/api/v1/credentials", headers=auth)).json()["data"] == []


async def test_keys_are_each_users_own_on_the_web_door_too(
    admin: Client, member: httpx.AsyncClient
) -> None:
    put = await member.put("/api/credentials/anthropic", json={"apiKey": KEY})
    assert put.status_code == 200, put.text
    assert put.json()["credential"] == {
        "provider": "anthropic",
        "hasKey": True,
        "createdAt": put.json()["credential"]["createdAt"],
    }
    assert (await admin.get("/api/credentials")).json()["credentials"] == []
    assert (await admin.delete("/api/credentials/anthropic")).status_code == 404
    mine = (await member.get("/api/credentials")).json()["credentials"]
    assert [c["provider"] for c in mine] == ["anthropic"]
    assert KEY not in str(mine)
    # Users' own keys are not the admin's providers.
    assert (await admin.get("/api/admin/providers")).json()["providers"] == []
    assert (await member.delete("/api/credentials/anthropic")).status_code == 200
    assert (await member.get("/api/credentials")).json()["credentials"] == []
