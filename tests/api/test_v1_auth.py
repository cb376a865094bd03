"""REST API v1: tokens, who am I, models, the envelope and its error codes, and the
per-user rate limit with its headers."""

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


async def _login(client: Client, name: str = "admin", device: str = "Pixel 9") -> str:
    response = await client.post(
        "/api/v1/auth/login", json={"email": name, "password": PASSWORD, "device_name": device}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["data"]["token"]
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


async def test_login_gives_a_token_that_opens_me(admin: Client) -> None:
    response = await admin.post(
        "/api/v1/auth/login",
        json={"email": "admin", "password": PASSWORD, "device_name": "Pixel 9"},
    )

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["token_type"] == "Bearer"
    assert data["user"] == {"id": 1, "name": "admin", "email": None}
    token_id, _, secret = data["token"].partition("|")
    assert token_id.isdigit() and len(secret) >= 40
    me = await admin.get("/api/v1/auth/me", headers=_bearer(data["token"]))
    assert me.status_code == 200
    assert me.json()["data"]["username"] == "admin"
    assert me.json()["data"]["role"] == "admin"
    assert me.json()["data"]["flags"] == {"has_credentials": True}  # the demo provider
    assert me.json()["data"]["created_at"].endswith("Z")
    assert me.headers["x-ratelimit-limit"] == "60"
    assert me.headers["x-ratelimit-remaining"] == "59"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"email": "admin", "password": "wrong password", "device_name": "x"},
            401,
            "INVALID_CREDENTIALS",
        ),
        ({"email": "nobody", "password": PASSWORD, "device_name": "x"}, 401, "INVALID_CREDENTIALS"),
        ({"email": "admin", "password": PASSWORD}, 422, "VALIDATION_ERROR"),
        ({"email": "admin", "password": PASSWORD, "device_name": ""}, 422, "VALIDATION_ERROR"),
        ({"email": "admin", "password": PASSWORD, "device_name": 5}, 422, "VALIDATION_ERROR"),
    ],
)
async def test_bad_logins_answer_in_the_v1_error_envelope(
    admin: Client, body: dict[str, Any], status: int, code: str
) -> None:
    response = await admin.post("/api/v1/auth/login", json=body)
    assert response.status_code == status, response.text
    assert _error(response)["code"] == code
    assert _error(response)["message"]
    if code == "VALIDATION_ERROR":
        assert "device_name" in _error(response)["details"]
    tokens = await admin.get("/api/v1/auth/tokens", headers=_bearer(await _login(admin)))
    assert len(tokens.json()["data"]) == 1  # only the one just made to look


async def test_framework_errors_use_the_envelope_too(admin: Client) -> None:
    malformed = await admin.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422
    assert _error(malformed)["code"] == "VALIDATION_ERROR"
    unknown = await admin.get("/api/v1/nothing-here")
    assert unknown.status_code == 404
    assert _error(unknown)["code"] == "NOT_FOUND"
    wrong_method = await admin.put("/api/v1/auth/me")
    assert wrong_method.status_code == 405
    assert _error(wrong_method)["code"] == "METHOD_NOT_ALLOWED"


async def test_a_cookie_opens_no_v1_route_and_a_token_no_web_route(admin: Client) -> None:
    token = await _login(admin)
    # The admin fixture holds a session cookie: it must not count on v1.
    no_bearer = await admin.get("/api/v1/auth/me")
    assert no_bearer.status_code == 401
    assert _error(no_bearer)["code"] == "UNAUTHENTICATED"
    admin.cookies.clear()
    web = await admin.get("/api/chats", headers=_bearer(token))
    assert web.status_code == 401
    for bad in ("Bearer", "Bearer 1|nope", "Basic abc", f"bearer {token}x"):
        response = await admin.get("/api/v1/auth/me", headers={"Authorization": bad})
        assert response.status_code == 401, bad
        assert _error(response)["code"] == "UNAUTHENTICATED"


async def test_named_tokens_list_and_revoke(admin: Client) -> None:
    token = await _login(admin)
    made = await admin.post(
        "/api/v1/auth/token",
        json={"name": "CI script", "abilities": ["read"], "expires_in_days": 30},
        headers=_bearer(token),
    )
    assert made.status_code == 201
    new = made.json()["data"]
    assert new["abilities"] == ["read"] and new["expires_at"].endswith("Z")
    assert (await admin.get("/api/v1/auth/me", headers=_bearer(new["token"]))).status_code == 200

    listed = (await admin.get("/api/v1/auth/tokens", headers=_bearer(token))).json()["data"]
    assert [t["name"] for t in listed] == ["CI script", "Pixel 9"]
    assert all("token" not in t for t in listed)

    revoked = await admin.delete(f"/api/v1/auth/tokens/{new['id']}", headers=_bearer(token))
    assert revoked.status_code == 204
    assert (await admin.get("/api/v1/auth/me", headers=_bearer(new["token"]))).status_code == 401
    again = await admin.delete(f"/api/v1/auth/tokens/{new['id']}", headers=_bearer(token))
    assert _error(again)["code"] == "NOT_FOUND"
    bad = await admin.post(
        "/api/v1/auth/token", json={"name": "x", "expires_in_days": 0}, headers=_bearer(token)
    )
    assert bad.status_code == 422
    assert "expires_in_days" in _error(bad)["details"]


async def test_another_users_token_is_404_and_logout_revokes_the_token_used(
    admin: Client,
) -> None:
    await add_user(admin, "bob")
    mine = await _login(admin)
    bobs = await _login(admin, "bob")
    bobs_id = int(bobs.partition("|")[0])
    response = await admin.delete(f"/api/v1/auth/tokens/{bobs_id}", headers=_bearer(mine))
    assert response.status_code == 404
    assert (await admin.get("/api/v1/auth/me", headers=_bearer(bobs))).status_code == 200

    out = await admin.post("/api/v1/auth/logout", headers=_bearer(bobs))
    assert out.status_code == 204
    assert (await admin.get("/api/v1/auth/me", headers=_bearer(bobs))).status_code == 401
    assert (await admin.get("/api/v1/auth/me", headers=_bearer(mine))).status_code == 200


async def test_models_lists_what_the_user_can_use(admin: Client) -> None:
    token = await _login(admin)
    response = await admin.get("/api/v1/models", headers=_bearer(token))
    assert response.status_code == 200
    assert response.json()["data"] == [
        {
            "id": "echo",
            "name": "Echo (demo, offline)",
            "provider": "demo",
            "context_window": 8192,
            "supports_vision": False,
        }
    ]


async def test_sixty_requests_a_minute_then_429_with_headers(admin: Client) -> None:
    token = await _login(admin)
    for n in range(60):
        response = await admin.get("/api/v1/auth/me", headers=_bearer(token))
        assert response.status_code == 200
        assert response.headers["x-ratelimit-remaining"] == str(59 - n)

    refused = await admin.get("/api/v1/auth/me", headers=_bearer(token))

    assert refused.status_code == 429
    assert _error(refused)["code"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-limit"] == "60"


async def test_has_credentials_is_false_when_no_model_can_answer(admin: Client) -> None:
    token = await _login(admin)
    providers = (await admin.get("/api/admin/providers")).json()["providers"]
    for provider in providers:
        assert (await admin.delete(f"/api/admin/providers/{provider['id']}")).status_code == 200

    me = await admin.get("/api/v1/auth/me", headers=_bearer(token))

    assert me.json()["data"]["flags"] == {"has_credentials": False}
    assert (await admin.get("/api/v1/models", headers=_bearer(token))).json()["data"] == []
