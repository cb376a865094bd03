"""The web page's settings: preferences (camelCase, merged, validated) and personal
access tokens for the v1 API (made, listed, revoked; each user's own)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from chatport.config import Settings

Client = AsyncTestClient[Litestar]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path), demo_provider=True, demo_token_delay=0.0)


async def test_preferences_merge_and_read_back(admin: Client) -> None:
    first = await admin.get("/api/preferences")
    assert first.status_code == 200
    assert first.json()["preferences"]["theme"] == "system"

    put = await admin.put(
        "/api/preferences",
        json={"defaultModel": "echo", "theme": "dark", "dictationLanguage": "pt-BR"},
    )
    again = await admin.put("/api/preferences", json={"sendOnEnter": False})

    assert put.status_code == again.status_code == 200, put.text
    prefs = (await admin.get("/api/preferences")).json()["preferences"]
    assert prefs["defaultModel"] == "echo" and prefs["theme"] == "dark"
    assert prefs["dictationLanguage"] == "pt-BR" and prefs["sendOnEnter"] is False
    assert isinstance(prefs["updatedAt"], int)


@pytest.mark.parametrize(
    "body",
    [
        {"theme": "neon"},
        {"defaultModel": "gpt-9"},
        {"dictationLanguage": "xx-XX"},
        {"systemPrompt": "x" * 10_001},
        {"fontSize": 3},
        {"sendOnEnter": "yes"},
    ],
)
async def test_bad_preferences_are_400_and_change_nothing(
    admin: Client, body: dict[str, Any]
) -> None:
    before = (await admin.get("/api/preferences")).json()

    response = await admin.put("/api/preferences", json=body)

    assert response.status_code == 400, response.text
    assert response.json()["error"]
    assert (await admin.get("/api/preferences")).json() == before


async def test_tokens_made_on_the_page_open_the_v1_api_until_revoked(admin: Client) -> None:
    made = await admin.post("/api/tokens", json={"name": "My phone", "expiresInDays": 30})

    assert made.status_code == 201, made.text
    token, secret = made.json()["token"], made.json()["secret"]
    assert secret.startswith(f"{token['id']}|")
    assert token["name"] == "My phone" and token["expiresAt"] > token["createdAt"]
    listed = (await admin.get("/api/tokens")).json()["tokens"]
    assert [t["name"] for t in listed] == ["My phone"]
    assert secret.split("|")[1] not in str(listed)
    bearer = {"Authorization": f"Bearer {secret}"}
    admin.cookies.clear()
    assert (await admin.get("/api/v1/auth/me", headers=bearer)).status_code == 200
    assert (await admin.get("/api/tokens", headers=bearer)).status_code == 401  # not a session


async def test_revoke_is_each_users_own(admin: Client, member: httpx.AsyncClient) -> None:
    made = (await admin.post("/api/tokens", json={"name": "CI"})).json()
    bearer = {"Authorization": f"Bearer {made['secret']}"}

    bobs_try = await member.delete(f"/api/tokens/{made['token']['id']}")
    assert bobs_try.status_code == 404
    assert (await member.get("/api/tokens")).json()["tokens"] == []
    assert (await admin.get("/api/v1/auth/me", headers=bearer)).status_code == 200

    revoked = await admin.delete(f"/api/tokens/{made['token']['id']}")
    assert revoked.status_code == 200 and revoked.json() == {"success": True}
    assert (await admin.get("/api/tokens")).json()["tokens"] == []
    assert (await admin.get("/api/v1/auth/me", headers=bearer)).status_code == 401


@pytest.mark.parametrize(
    "body", [{"name": ""}, {"name": "x" * 256}, {"name": "a", "expiresInDays": 0}, {}]
)
async def test_bad_tokens_are_400_and_make_nothing(admin: Client, body: dict[str, Any]) -> None:
    response = await admin.post("/api/tokens", json=body)

    assert response.status_code == 400, response.text
    assert (await admin.get("/api/tokens")).json()["tokens"] == []
