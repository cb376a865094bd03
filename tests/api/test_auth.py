"""/api/auth: first-user registration, log in and out, the session, the password."""

from __future__ import annotations

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.api.conftest import PASSWORD, add_user, logged_in, register
from tests.support import ManualClock

Client = AsyncTestClient[Litestar]


async def test_first_user_registers_as_admin_and_is_logged_in(client: Client) -> None:
    response = await client.post(
        "/api/auth/register", json={"username": "admin", "password": PASSWORD}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"] == {"id": 1, "username": "admin", "role": "admin"}
    assert isinstance(body["session"]["expiresAt"], int)
    session = await client.get("/api/auth/session")
    assert session.status_code == 200
    assert session.json()["user"]["username"] == "admin"


async def test_session_cookie_is_opaque_httponly_lax_and_lasts_30_days(client: Client) -> None:
    response = await client.post(
        "/api/auth/register", json={"username": "admin", "password": PASSWORD}
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Max-Age=2592000" in cookie
    assert "Secure" not in cookie  # plain HTTP here; HTTPS gets Secure
    token = client.cookies["session"]
    assert len(token) >= 43  # 256 bits, URL-safe base64


async def test_cookie_is_secure_behind_https(app: Litestar) -> None:
    async with AsyncTestClient(app=app, base_url="https://chat.example") as client:
        response = await client.post(
            "/api/auth/register", json={"username": "admin", "password": PASSWORD}
        )
        assert response.status_code == 201
        assert "Secure" in response.headers["set-cookie"]
        assert "max-age" in response.headers["strict-transport-security"]


async def test_registration_closes_after_the_first_user(client: Client) -> None:
    await register(client)
    second = await client.post(
        "/api/auth/register", json={"username": "mallory", "password": PASSWORD}
    )
    assert second.status_code == 403
    assert "disabled" in second.json()["error"]
    users = await client.get("/api/admin/users")
    assert [u["username"] for u in users.json()["users"]] == ["admin"]


async def test_register_validates_input_and_stores_nothing(client: Client) -> None:
    for body in (
        {"username": "ab", "password": PASSWORD},
        {"username": "admin", "password": "short"},
        {"username": "admin"},
        {"username": 12345, "password": PASSWORD},
    ):
        response = await client.post("/api/auth/register", json=body)
        assert response.status_code == 400, body
        assert response.json()["error"] == "Invalid input"
        assert response.json()["details"], body
    # Nothing was stored: registration is still open.
    await register(client)


async def test_validation_details_name_the_field(client: Client) -> None:
    response = await client.post(
        "/api/auth/register", json={"username": "ab", "password": PASSWORD}
    )
    (detail,) = response.json()["details"]
    assert detail["path"] == ["username"]
    assert detail["code"] == "too_short"
    assert detail["message"]


async def test_login_logout_and_session(client: Client) -> None:
    first_visit = await client.get("/api/auth/session")
    assert first_visit.status_code == 401
    assert first_visit.json() == {"user": None, "setupRequired": True}  # make the admin
    await register(client)
    await client.post("/api/auth/logout")
    assert (await client.get("/api/auth/session")).status_code == 401
    assert (await client.get("/api/auth/session")).json() == {"user": None, "setupRequired": False}
    login = await client.post("/api/auth/login", json={"username": "ADMIN", "password": PASSWORD})
    assert login.status_code == 200
    assert login.json()["user"]["username"] == "admin"
    assert (await client.get("/api/chats")).status_code == 200


async def test_logout_ends_the_session_on_the_server(client: Client) -> None:
    await register(client)
    token = client.cookies["session"]
    assert (await client.post("/api/auth/logout")).json() == {"success": True}
    client.cookies.set("session", token)
    assert (await client.get("/api/chats")).status_code == 401


async def test_logout_without_a_session_succeeds(client: Client) -> None:
    response = await client.post("/api/auth/logout")
    assert response.status_code == 200
    assert response.json() == {"success": True}


async def test_wrong_password_and_unknown_user_answer_alike(client: Client) -> None:
    await register(client)
    await client.post("/api/auth/logout")
    wrong = await client.post("/api/auth/login", json={"username": "admin", "password": "nope" * 3})
    unknown = await client.post(
        "/api/auth/login", json={"username": "ghost", "password": "nope" * 3}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"error": "Invalid username or password"}
    assert "set-cookie" not in wrong.headers


async def test_login_is_limited_per_username_then_per_ip(
    client: Client, app: Litestar, clock: ManualClock
) -> None:
    await register(client)
    await client.post("/api/auth/logout")
    for _ in range(5):
        bad = await client.post("/api/auth/login", json={"username": "admin", "password": "x" * 8})
        assert bad.status_code == 401
    limited = await client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) == 180
    assert "minute" in limited.json()["error"]
    # From another address the username is still limited.
    transport = httpx.ASGITransport(app=app, client=("10.9.9.9", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as other:
        again = await other.post(
            "/api/auth/login", json={"username": "admin", "password": PASSWORD}
        )
        assert again.status_code == 429
    clock.advance(181)
    ok = await client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert ok.status_code == 200


async def test_login_failures_from_one_ip_limit_every_username(client: Client) -> None:
    await register(client)
    await client.post("/api/auth/logout")
    for n in range(5):
        await client.post("/api/auth/login", json={"username": f"user{n}", "password": "x" * 8})
    limited = await client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert limited.status_code == 429


async def test_a_successful_login_forgets_the_usernames_failures(
    client: Client, app: Litestar
) -> None:
    await register(client)
    await add_user(client, "bob")
    transport = httpx.ASGITransport(app=app, client=("10.1.1.1", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as b:
        for _ in range(4):
            await b.post("/api/auth/login", json={"username": "bob", "password": "x" * 8})
    async with logged_in(app, "bob"):
        pass
    transport = httpx.ASGITransport(app=app, client=("10.2.2.2", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as b:
        for _ in range(4):
            r = await b.post("/api/auth/login", json={"username": "bob", "password": "x" * 8})
            assert r.status_code == 401


async def test_register_is_rate_limited(client: Client) -> None:
    for _ in range(5):
        await client.post("/api/auth/register", json={"username": "ab", "password": PASSWORD})
    # Invalid input is refused before it counts; valid attempts count.
    statuses = []
    for n in range(6):
        r = await client.post(
            "/api/auth/register", json={"username": f"user{n}", "password": PASSWORD}
        )
        statuses.append(r.status_code)
    assert statuses[0] == 201
    assert 429 in statuses


async def test_change_password_ends_every_session_and_opens_a_new_one(
    client: Client, app: Litestar
) -> None:
    await register(client)
    async with logged_in(app, "admin") as other_browser:
        old_token = client.cookies["session"]
        response = await client.put(
            "/api/auth/change-password",
            json={"currentPassword": PASSWORD, "newPassword": "an even longer passphrase"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["success"] is True
        assert client.cookies["session"] != old_token
        assert (await client.get("/api/chats")).status_code == 200
        assert (await other_browser.get("/api/chats")).status_code == 401
    await client.post("/api/auth/logout")
    old = await client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert old.status_code == 401
    new = await client.post(
        "/api/auth/login", json={"username": "admin", "password": "an even longer passphrase"}
    )
    assert new.status_code == 200


async def test_change_password_with_the_wrong_current_password(client: Client) -> None:
    await register(client)
    response = await client.put(
        "/api/auth/change-password",
        json={"currentPassword": "not it at all", "newPassword": "another passphrase"},
    )
    assert response.status_code == 401
    assert response.json() == {"error": "Current password is incorrect"}
    assert (await client.get("/api/chats")).status_code == 200


async def test_change_password_validates_the_new_one(client: Client) -> None:
    await register(client)
    response = await client.put(
        "/api/auth/change-password", json={"currentPassword": PASSWORD, "newPassword": "short"}
    )
    assert response.status_code == 400
    assert response.json()["details"][0]["path"] == ["newPassword"]


async def test_change_password_needs_a_session(client: Client) -> None:
    response = await client.put(
        "/api/auth/change-password", json={"currentPassword": PASSWORD, "newPassword": PASSWORD}
    )
    assert response.status_code == 401


async def test_a_foreign_origin_cannot_change_state_with_the_cookie(client: Client) -> None:
    await register(client)
    foreign = await client.post(
        "/api/chats", json={"title": "csrf"}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert foreign.json() == {"error": "Cross-origin request refused"}
    same = await client.post(
        "/api/chats", json={"title": "mine"}, headers={"Origin": "http://testserver.local"}
    )
    assert same.status_code == 201
    titles = [c["title"] for c in (await client.get("/api/chats")).json()["chats"]]
    assert titles == ["mine"]
    # Reads are not state-changing: a foreign origin may not read them anyway (no CORS).
    assert (
        await client.get("/api/chats", headers={"Origin": "https://evil.example"})
    ).status_code == 200


async def test_disabled_users_cannot_log_in(client: Client, app: Litestar) -> None:
    await register(client)
    bob = await add_user(client, "bob")
    await client.put(f"/api/admin/users/{bob['id']}/disabled", json={"disabled": True})
    transport = httpx.ASGITransport(app=app, client=("10.3.3.3", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as b:
        r = await b.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
        assert r.status_code == 403
        assert r.json() == {"error": "This account is disabled"}
