"""Raw ASGI middleware around every request: request id, the one log line, the
security headers, and the same-origin rule for cookie-authenticated writes.

Written as plain ASGI (not Litestar's middleware classes) because it runs on every
request and each layer of wrapping costs.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

import structlog

from chatport.http.v1.ratelimit import rate_limit_headers

# Plain ASGI types: these layers sit outside Litestar and see raw scopes and messages.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = structlog.get_logger("chatport.request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"microphone=(self), camera=(), geolocation=()"),
)
_CSP = (
    b"default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    b"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    b"form-action 'self'"
)
# The browsable OpenAPI page loads its viewer from a CDN; only that page may.
_SCHEMA_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net "
    b"https://unpkg.com; style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net "
    b"https://unpkg.com https://fonts.googleapis.com; font-src 'self' https://fonts.gstatic.com; "
    b"img-src 'self' data: https:; frame-ancestors 'none'"
)
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware:
    """Gives each request an id (a valid incoming ``X-Request-Id`` is kept), sends it
    back with the security headers, and logs one line when the response is done:
    method, path, status, duration, request id and user id. Nothing else about the
    request (no query, no body, no header) reaches the log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        path = scope["path"]
        extra: list[tuple[bytes, bytes]] = [
            (b"x-request-id", request_id.encode()),
            *_SECURITY_HEADERS,
            (b"content-security-policy", _SCHEMA_CSP if path.startswith("/schema") else _CSP),
        ]
        if scope.get("scheme") == "https":
            extra.append(_HSTS)

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", ()),
                    *extra,
                    *rate_limit_headers(state),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=path,
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                request_id=request_id,
                user_id=state.get("user_id"),
            )


class SameOriginMiddleware:
    """Refuses (403) a state-changing request to the cookie-authenticated API when the
    browser says it comes from another origin. Requests without ``Origin`` (curl,
    server-side clients) carry no ambient cookie risk from a foreign page and pass;
    bearer-token routes (``/api/v1``) are not cookie-authenticated and pass."""

    def __init__(self, app: ASGIApp, allowed_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed = frozenset(o.rstrip("/") for o in allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in _SAFE_METHODS
            and scope["path"].startswith("/api/")
            and not scope["path"].startswith("/api/v1/")
            and not self._same_origin(scope)
        ):
            body = json.dumps({"error": "Cross-origin request refused"}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def _same_origin(self, scope: Scope) -> bool:
        origin = _header(scope, b"origin")
        if origin is None:
            return _header(scope, b"sec-fetch-site") not in {"cross-site", "same-site"}
        origin = origin.rstrip("/")
        if origin in self.allowed:
            return True
        host = _header(scope, b"host")
        scheme = scope.get("scheme", "http")
        return host is not None and origin == f"{scheme}://{host}"
