"""REST API v1 preferences: defaults, merging, and refusals that change nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from chatport.config import Settings
from tests.api.conftest import PASSWORD, add_user

Client = AsyncTestClient[Litestar]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path), demo_provider=True)


async def _token(client: Client, name: str = "admin") -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login", json={"email": name, "password": PASSWORD, "device_name": "phone"}
    )
    return {"Authorization": f"Bearer {response.json()['data']['token']}"}


async def test_defaults_then_a_merge(admin: Client) -> None:
    auth = await _token(admin)
    first = (await admin.get("/api/v1/preferences", headers=auth)).json()["data"]
    assert first["theme"] == "system"
    assert first["dictation_language"] == "en-US"
    assert first["send_on_enter"] is True
    assert first["default_model"] is None

    changed = await admin.put(
        "/api/v1/preferences",
        json={"theme": "dark", "default_model": "echo", "dictation_language": "es-CO"},
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    again = await admin.put("/api/v1/preferences", json={"send_on_enter": False}, headers=auth)
    data = again.json()["data"]
    assert (data["theme"], data["default_model"], data["dictation_language"]) == (
        "dark",
        "echo",
        "es-CO",
    )
    assert data["send_on_enter"] is False
    assert (await admin.get("/api/v1/preferences", headers=auth)).json()["data"] == data


async def test_a_new_conversation_takes_the_default_system_prompt(admin: Client) -> None:
    auth = await _token(admin)
    await admin.put("/api/v1/preferences", json={"system_prompt": "Be brief."}, headers=auth)

    plain = await admin.post("/api/v1/conversations", json={}, headers=auth)
    own = await admin.post(
        "/api/v1/conversations", json={"system_prompt": "Be thorough."}, headers=auth
    )

    assert plain.json()["data"]["system_prompt"] == "Be brief."
    assert own.json()["data"]["system_prompt"] == "Be thorough."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"theme": "purple"}, "theme"),
        ({"dictation_language": "it-IT"}, "dictation_language"),
        ({"default_model": "gpt-9"}, "default_model"),
        ({"system_prompt": "x" * 10_001}, "system_prompt"),
        ({"send_on_enter": "yes"}, "send_on_enter"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
async def test_bad_preferences_are_422_and_change_nothing(
    admin: Client, body: dict[str, Any], field: str
) -> None:
    auth = await _token(admin)
    await admin.put("/api/v1/preferences", json={"theme": "light"}, headers=auth)
    before = (await admin.get("/api/v1/preferences", headers=auth)).json()["data"]

    response = await admin.put("/api/v1/preferences", json={"theme": "dark", **body}, headers=auth)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert field in str(response.json()["error"].get("details")) or field in response.text
    assert (await admin.get("/api/v1/preferences", headers=auth)).json()["data"] == before


async def test_preferences_are_each_users_own(admin: Client) -> None:
    await add_user(admin, "bob")
    mine, bobs = await _token(admin), await _token(admin, "bob")
    await admin.put("/api/v1/preferences", json={"theme": "dark"}, headers=mine)
    assert (await admin.get("/api/v1/preferences", headers=bobs)).json()["data"][
        "theme"
    ] == "system"
