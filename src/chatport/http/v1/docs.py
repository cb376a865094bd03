"""What the OpenAPI document says of v1's answers beyond their success: the error
envelope for each status a route may give, and the headers every answer has."""

from __future__ import annotations

from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPI, OpenAPIType, Schema

from chatport.http.v1.envelope import ErrorEnvelope
from chatport.http.v1.errors import V1_PREFIX

_WHEN = {
    401: "UNAUTHENTICATED: no, malformed, revoked or expired token "
    "(INVALID_CREDENTIALS: wrong email or password at login)",
    403: "FORBIDDEN: the role does not allow it",
    404: "NOT_FOUND: no such resource for this user",
    409: "CONFLICT: a generation is already running, or a request with this "
    "Idempotency-Key is still in flight",
    413: "PAYLOAD_TOO_LARGE: the body is over the limit",
    422: "VALIDATION_ERROR: bad input, details by field "
    "(IDEMPOTENCY_KEY_REUSED: the key came with another request)",
    428: "CREDENTIALS_REQUIRED: no usable provider key for this user",
    429: "RATE_LIMITED: over the per-user limit; Retry-After says when to retry",
    500: "INTERNAL_ERROR: the message carries the request id",
    503: "SERVICE_UNAVAILABLE: a backing service is down, or the server is busy; retry later",
}


def errors(*statuses: int, authenticated: bool = True) -> dict[int, ResponseSpec]:
    """The route's documented failures: ``statuses``, plus those any route can give."""
    always = {422, 429, 500} | ({401} if authenticated else set())
    return {
        status: ResponseSpec(
            data_container=ErrorEnvelope, description=_WHEN[status], generate_examples=False
        )
        for status in sorted(always | set(statuses))
    }


HEADERS = [
    ResponseHeader(
        name="X-RateLimit-Limit",
        documentation_only=True,
        description="Requests allowed per minute for this user",
    ),
    ResponseHeader(
        name="X-RateLimit-Remaining",
        documentation_only=True,
        description="Requests left in the current minute",
    ),
    ResponseHeader(
        name="X-Request-Id",
        documentation_only=True,
        description="The request's id (a valid incoming one is echoed)",
    ),
]


def tidy_v1_schema(schema: OpenAPI) -> None:
    """Litestar documents a 400 for every route that takes input, where v1 answers
    422 VALIDATION_ERROR (documented on each route), and gives a stream no schema."""
    for path, item in (schema.paths or {}).items():
        if not path.startswith(V1_PREFIX):
            continue
        for operation in (item.get, item.put, item.post, item.delete, item.patch):
            if operation is None or not operation.responses:
                continue
            operation.responses.pop("400", None)
            for response in operation.responses.values():
                stream = getattr(response, "content", None) or {}
                if "text/event-stream" in stream:
                    stream["text/event-stream"].schema = Schema(type=OpenAPIType.STRING)
