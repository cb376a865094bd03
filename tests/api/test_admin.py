"""/api/admin: users and the audit log."""

from __future__ import annotations

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.api.conftest import PASSWORD, add_user, logged_in

Client = AsyncTestClient[Litestar]


async def test_create_and_list_users(admin: Client) -> None:
    created = await admin.post(
        "/api/admin/users", json={"username": "carol", "password": PASSWORD, "role": "readonly"}
    )
    assert created.status_code == 201
    user = created.json()["user"]
    assert user["username"] == "carol" and user["role"] == "readonly"
    assert user["disabled_at"] is None
    listed = (await admin.get("/api/admin/users")).json()["users"]
    assert [(u["username"], u["role"]) for u in listed] == [
        ("admin", "admin"),
        ("carol", "readonly"),
    ]
    assert all(set(u) == {"id", "username", "role", "created_at", "disabled_at"} for u in listed)


async def test_role_defaults_to_member(admin: Client) -> None:
    response = await admin.post("/api/admin/users", json={"username": "dan", "password": PASSWORD})
    assert response.json()["user"]["role"] == "member"


async def test_bad_new_users_are_refused(admin: Client) -> None:
    await add_user(admin, "bob")
    for body in (
        {"username": "BOB", "password": PASSWORD},
        {"username": "x", "password": PASSWORD},
        {"username": "eve", "password": "short"},
        {"username": "eve", "password": PASSWORD, "role": "superuser"},
    ):
        response = await admin.post("/api/admin/users", json=body)
        assert response.status_code == 400, body
    duplicate = await admin.post("/api/admin/users", json={"username": "BOB", "password": PASSWORD})
    assert duplicate.json() == {"error": "Username already taken"}
    names = [u["username"] for u in (await admin.get("/api/admin/users")).json()["users"]]
    assert names == ["admin", "bob"]


async def test_only_admins(admin: Client, member: httpx.AsyncClient) -> None:
    for method, path, body in [
        ("GET", "/api/admin/users", None),
        ("POST", "/api/admin/users", {"username": "eve", "password": PASSWORD}),
        ("PUT", "/api/admin/users/1/role", {"role": "member"}),
        ("PUT", "/api/admin/users/1/disabled", {"disabled": True}),
        ("PUT", "/api/admin/users/1/password", {"password": PASSWORD}),
        ("DELETE", "/api/admin/users/1", None),
        ("GET", "/api/admin/audit-log", None),
    ]:
        response = await member.request(method, path, json=body)
        assert response.status_code == 403, (method, path)
        assert response.json() == {"error": "Admin access required"}
    names = [u["username"] for u in (await admin.get("/api/admin/users")).json()["users"]]
    assert names == ["admin", "bob"]


async def test_admin_routes_need_a_session(client: Client) -> None:
    assert (await client.get("/api/admin/users")).status_code == 401


async def test_change_role_ends_the_users_sessions(admin: Client, app: Litestar) -> None:
    bob = await add_user(admin, "bob")
    async with logged_in(app, "bob") as browser:
        response = await admin.put(f"/api/admin/users/{bob['id']}/role", json={"role": "admin"})
        assert response.status_code == 200
        assert response.json()["user"]["role"] == "admin"
        assert (await browser.get("/api/chats")).status_code == 401
    async with logged_in(app, "bob") as browser:
        assert (await browser.get("/api/admin/users")).status_code == 200


async def test_disable_and_enable(admin: Client, app: Litestar) -> None:
    bob = await add_user(admin, "bob")
    async with logged_in(app, "bob") as browser:
        response = await admin.put(
            f"/api/admin/users/{bob['id']}/disabled", json={"disabled": True}
        )
        assert response.json()["user"]["disabled_at"] is not None
        assert (await browser.get("/api/chats")).status_code == 401
    enabled = await admin.put(f"/api/admin/users/{bob['id']}/disabled", json={"disabled": False})
    assert enabled.json()["user"]["disabled_at"] is None
    async with logged_in(app, "bob") as browser:
        assert (await browser.get("/api/chats")).status_code == 200


async def test_reset_password(admin: Client, app: Litestar) -> None:
    bob = await add_user(admin, "bob")
    async with logged_in(app, "bob") as browser:
        response = await admin.put(
            f"/api/admin/users/{bob['id']}/password", json={"password": "a brand new one"}
        )
        assert response.json() == {"success": True}
        assert (await browser.get("/api/chats")).status_code == 401
        old = await browser.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
        assert old.status_code == 401
        new = await browser.post(
            "/api/auth/login", json={"username": "bob", "password": "a brand new one"}
        )
        assert new.status_code == 200
    short = await admin.put(f"/api/admin/users/{bob['id']}/password", json={"password": "x"})
    assert short.status_code == 400


async def test_delete_user_removes_their_data(admin: Client, app: Litestar) -> None:
    bob = await add_user(admin, "bob")
    async with logged_in(app, "bob") as browser:
        await browser.post("/api/chats", json={"title": "bob's"})
        deleted = await admin.delete(f"/api/admin/users/{bob['id']}")
        assert deleted.json() == {"success": True}
        assert (await browser.get("/api/chats")).status_code == 401
    names = [u["username"] for u in (await admin.get("/api/admin/users")).json()["users"]]
    assert names == ["admin"]
    assert (await admin.delete(f"/api/admin/users/{bob['id']}")).status_code == 404


async def test_an_admin_cannot_demote_disable_or_delete_themselves(admin: Client) -> None:
    for method, path, body in [
        ("PUT", "/api/admin/users/1/role", {"role": "member"}),
        ("PUT", "/api/admin/users/1/disabled", {"disabled": True}),
        ("DELETE", "/api/admin/users/1", None),
    ]:
        response = await admin.request(method, path, json=body)
        assert response.status_code == 400, path
        assert response.json()["error"].startswith("You cannot")
    me = (await admin.get("/api/admin/users")).json()["users"][0]
    assert me["role"] == "admin" and me["disabled_at"] is None
    assert (await admin.get("/api/auth/session")).status_code == 200


async def test_unknown_user_is_404(admin: Client) -> None:
    for method, path, body in [
        ("PUT", "/api/admin/users/999/role", {"role": "member"}),
        ("PUT", "/api/admin/users/999/disabled", {"disabled": True}),
        ("PUT", "/api/admin/users/999/password", {"password": PASSWORD}),
        ("DELETE", "/api/admin/users/999", None),
    ]:
        response = await admin.request(method, path, json=body)
        assert response.status_code == 404, path
        assert response.json() == {"error": "User not found"}
    bad_id = await admin.put("/api/admin/users/abc/role", json={"role": "member"})
    assert bad_id.status_code in {400, 404}


async def test_audit_log_records_who_did_what(admin: Client, app: Litestar) -> None:
    bob = await add_user(admin, "bob")
    await admin.put(f"/api/admin/users/{bob['id']}/role", json={"role": "readonly"})
    await admin.put(f"/api/admin/users/{bob['id']}/password", json={"password": PASSWORD + "!"})
    transport = httpx.ASGITransport(app=app, client=("10.7.7.7", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as b:
        await b.post("/api/auth/login", json={"username": "bob", "password": "wrong password"})
    await admin.delete(f"/api/admin/users/{bob['id']}")
    response = await admin.get("/api/admin/audit-log")
    body = response.json()
    assert body["limit"] == 50 and body["offset"] == 0
    actions = [entry["action"] for entry in body["logs"]]
    assert actions == [
        "user_deleted",
        "login_failed",
        "password_reset",
        "role_changed",
        "user_created",
        "register",
    ]
    failed = body["logs"][1]
    assert failed["ip_address"] == "10.7.7.7"
    assert failed["target"] == "bob"
    assert body["logs"][3]["detail"] == "readonly"
    page = (await admin.get("/api/admin/audit-log?limit=2&offset=1")).json()
    assert [e["action"] for e in page["logs"]] == ["login_failed", "password_reset"]
    assert (await admin.get("/api/admin/audit-log?limit=201")).status_code == 400
    assert PASSWORD not in response.text
