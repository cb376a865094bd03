"""The OpenAPI document at /schema and the v1 routes agree: every route is
documented, every documented route exists, each with its schemas and errors."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]
V1 = "/api/v1"
_METHODS = {"get", "put", "post", "delete", "patch"}


def _served(app: Litestar) -> set[tuple[str, str]]:
    """(method, path) of every v1 route the app answers, path as OpenAPI writes it."""
    served = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(V1):
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        served |= {(m.lower(), path) for m in route.methods if m.lower() in _METHODS}
    return served


async def _document(client: Client) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in document["paths"].items()
        if path.startswith(V1)
        for method, operation in item.items()
        if method in _METHODS
    }


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    found: dict[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return found


async def test_every_v1_route_is_documented_and_every_documented_route_exists(
    client: Client, app: Litestar
) -> None:
    documented = set(_operations(await _document(client)))
    served = _served(app)

    assert documented == served
    # The contract's endpoints, at least (API_V1.md): none of them forgotten.
    for expected in [
        ("post", "/api/v1/auth/login"),
        ("get", "/api/v1/auth/me"),
        ("delete", "/api/v1/auth/tokens/{token_id}"),
        ("put", "/api/v1/credentials/{provider}"),
        ("put", "/api/v1/preferences"),
        ("post", "/api/v1/conversations/{conversation_id}/regenerate"),
        ("post", "/api/v1/conversations/{conversation_id}/messages"),
        ("get", "/api/v1/conversations/{conversation_id}/stream"),
        ("delete", "/api/v1/messages/{message_id}"),
    ]:
        assert expected in served


async def test_each_v1_operation_has_its_schemas_and_error_responses(client: Client) -> None:
    document = await _document(client)

    for (method, path), operation in _operations(document).items():
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        successes = [code for code in responses if code.startswith("2")]
        assert successes, where
        for code in successes:
            if code == "204":
                continue
            content = responses[code]["content"]
            media, body = next(iter(content.items()))
            assert body["schema"], where
            if media == "application/json":
                envelope = _resolve(document, body["schema"])
                assert "data" in envelope["properties"], where
        public = path == "/api/v1/auth/login"
        expected_errors = {"422", "429", "500"} | (set() if public else {"401"})
        assert expected_errors <= set(responses), where
        assert "400" not in responses, f"{where}: v1 answers bad input with 422"
        for code in (c for c in responses if c[0] in "45"):
            schema = _resolve(document, responses[code]["content"]["application/json"]["schema"])
            error = _resolve(document, schema["properties"]["error"])
            assert {"code", "message"} <= set(error["required"]), where
        if method in {"post", "put"} and "requestBody" in operation:
            assert operation["requestBody"]["content"]["application/json"]["schema"], where
        headers = responses[successes[0]].get("headers", {})
        assert {"X-RateLimit-Limit", "X-RateLimit-Remaining"} <= set(headers), where


async def test_bodies_and_parameters_are_described(client: Client) -> None:
    operations = _operations(await _document(client))

    send = operations[("post", "/api/v1/conversations/{conversation_id}/messages")]
    assert "requestBody" in send
    assert "202" in send["responses"] and "428" in send["responses"]
    stream = operations[("get", "/api/v1/conversations/{conversation_id}/stream")]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    assert any(p["name"] == "Last-Event-ID" and p["in"] == "header" for p in stream["parameters"])
    listing = operations[("get", "/api/v1/conversations")]
    assert {"per_page", "cursor", "archived", "q"} <= {p["name"] for p in listing["parameters"]}
