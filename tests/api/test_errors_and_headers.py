"""Every failure in the web API's error format, and the headers on every response."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]


async def test_unknown_route_is_404_in_the_error_format(client: Client) -> None:
    response = await client.get("/api/nothing/here")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}
    assert response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_wrong_method_is_405_in_the_error_format(admin: Client) -> None:
    response = await admin.request("PATCH", "/api/folders")
    assert response.status_code == 405
    assert response.json() == {"error": "Method not allowed"}


async def test_malformed_json_is_400_and_changes_nothing(admin: Client) -> None:
    response = await admin.post(
        "/api/chats", content=b'{"title": "x"', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "error" in response.json()
    assert (await admin.get("/api/chats")).json()["chats"] == []


async def test_a_body_that_is_not_an_object_is_400(admin: Client) -> None:
    for raw in (b"[]", b"42", b'"text"', b"null"):
        response = await admin.post(
            "/api/folders", content=raw, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, raw
        assert response.json()["error"]


async def test_body_over_the_limit_is_413_before_it_is_read(admin: Client) -> None:
    # The announced length alone is enough: the server does not wait for the bytes.
    response = await admin.post(
        "/api/chats",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": str(60 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert response.json() == {"error": "Request body too large (the limit is 50 MB)"}


async def test_security_headers_on_every_response(admin: Client) -> None:
    for response in (
        await admin.get("/api/chats"),
        await admin.get("/api/nope"),
        await admin.get("/healthz"),
    ):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "form-action 'self'" in headers["content-security-policy"]
        assert "microphone=(self)" in headers["permissions-policy"]
        assert "strict-transport-security" not in headers  # plain HTTP


async def test_request_id_is_new_or_echoed(client: Client) -> None:
    first = (await client.get("/healthz")).headers["x-request-id"]
    second = (await client.get("/healthz")).headers["x-request-id"]
    assert first != second
    echoed = await client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    hostile = await client.get("/healthz", headers={"X-Request-Id": "bad id\twith junk"})
    assert hostile.headers["x-request-id"] != "bad id\twith junk"


async def test_health_and_readiness(client: Client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ok"}


async def test_openapi_document_lists_the_web_api(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/auth/login", "/api/chats", "/api/folders", "/api/admin/users"):
        assert path in paths
