"""Idempotency-Key on the v1 API's POST, PUT and PATCH, as a raw ASGI middleware:
it must see the whole body to fingerprint the request, and the whole answer to
keep it.

A retried request with the same key and body gets the first answer again, with
``Idempotent-Replayed: true``; another body under that key gets 422
IDEMPOTENCY_KEY_REUSED; a retry while the first still runs gets 409 CONFLICT.
Requests the token does not open pass through untouched (the route answers 401).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import msgspec

from chatport.domain.errors import DomainError
from chatport.domain.idempotency import ClaimOutcome, StoredResponse, check_key
from chatport.http.container import Services
from chatport.http.v1.envelope import ErrorDetail, ErrorEnvelope

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
_METHODS = frozenset({"POST", "PUT", "PATCH"})
_encode = msgspec.json.Encoder().encode


class IdempotencyMiddleware:
    def __init__(self, app: Any, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if (
            key is None
            or scope["method"] not in _METHODS
            or not scope["path"].startswith("/api/v1/")
        ):
            await self.app(scope, receive, send)
            return
        if check_key(key) is None:
            await _answer(
                send,
                422,
                "VALIDATION_ERROR",
                "Idempotency-Key must be 1 to 255 printable characters",
            )
            return
        services: Services = scope["app"].state.services
        user_id = await _user_id(services, scope)
        body, complete = await _read_body(receive, self.max_body_bytes)
        if user_id is None or not complete:
            await self.app(scope, _replay(body, receive, complete), send)
            return
        path = scope["path"] + (
            "?" + scope["query_string"].decode() if scope.get("query_string") else ""
        )
        claim, print_ = await services.idempotency.claim(user_id, key, scope["method"], path, body)
        if claim.outcome is ClaimOutcome.REPLAY and claim.response is not None:
            await _send_stored(send, claim.response)
        elif claim.outcome is ClaimOutcome.IN_FLIGHT:
            await _answer(
                send, 409, "CONFLICT", "A request with this Idempotency-Key is still running"
            )
        elif claim.outcome is ClaimOutcome.MISMATCH:
            await _answer(
                send,
                422,
                "IDEMPOTENCY_KEY_REUSED",
                "This Idempotency-Key was used for another request",
            )
        else:
            await self._run_and_keep(scope, body, receive, send, services, user_id, key, print_)

    async def _run_and_keep(
        self,
        scope: Scope,
        body: bytes,
        receive: Any,
        send: Any,
        services: Services,
        user_id: int,
        key: str,
        print_: str,
    ) -> None:
        status = 500
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", ())
                ]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, _replay(body, receive, True), capture)
        except BaseException:
            await services.idempotency.forget(user_id, key, print_)
            raise
        if status >= 500:
            await services.idempotency.forget(user_id, key, print_)
            return
        stored = StoredResponse(status=status, headers=headers, body=b"".join(chunks))
        await services.idempotency.keep(user_id, key, print_, stored)


async def _user_id(services: Services, scope: Scope) -> int | None:
    scheme, _, value = (_header(scope, b"authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    try:
        user, _ = await services.tokens.authenticate(value.strip())
    except DomainError:
        return None
    return user.id


async def _read_body(receive: Any, limit: int) -> tuple[bytes, bool]:
    """The body, and whether all of it was read (False past ``limit``: the app then
    reads the rest, and refuses it)."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts), False
        chunk = message.get("body", b"")
        parts.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(parts), True
        if size > limit:
            return b"".join(parts), False


def _replay(body: bytes, receive: Any, complete: bool) -> Any:
    """A receive that hands the app the body already read, then the rest."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        # The rest of the body, if any; else, in time, the client's disconnect.
        message: Message = await receive()
        return message

    return replayed


async def _send_stored(send: Any, response: StoredResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def _answer(send: Any, status: int, code: str, message: str) -> None:
    body = _encode(ErrorEnvelope(error=ErrorDetail(code=code, message=message)))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None
