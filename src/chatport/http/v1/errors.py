"""Every failure on ``/api/v1`` in the v1 error envelope, with API_V1.md's codes.

``chatport.http.errors.handle`` hands over here for v1 paths, so framework errors
(unknown route, wrong method, malformed JSON, body too large) answer in this form
too.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from chatport.domain.errors import (
    Conflict,
    CredentialsRequired,
    DomainError,
    Forbidden,
    IdempotencyKeyReused,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    Overloaded,
    RateLimited,
    StorageUnavailable,
    TooLarge,
    Unauthenticated,
)
from chatport.domain.generation import ProviderError, ProviderRateLimited
from chatport.http.v1.envelope import ErrorDetail, ErrorEnvelope

V1_PREFIX = "/api/v1"

# Most specific first: the first class in an error's MRO found here wins.
_CODES: dict[type[DomainError], tuple[int, str]] = {
    InvalidCredentials: (401, "INVALID_CREDENTIALS"),
    Unauthenticated: (401, "UNAUTHENTICATED"),
    Forbidden: (403, "FORBIDDEN"),
    NotFound: (404, "NOT_FOUND"),
    Conflict: (409, "CONFLICT"),
    InvalidInput: (422, "VALIDATION_ERROR"),
    TooLarge: (413, "PAYLOAD_TOO_LARGE"),
    IdempotencyKeyReused: (422, "IDEMPOTENCY_KEY_REUSED"),
    CredentialsRequired: (428, "CREDENTIALS_REQUIRED"),
    RateLimited: (429, "RATE_LIMITED"),
    ProviderError: (502, "PROVIDER_ERROR"),
    Overloaded: (503, "SERVICE_UNAVAILABLE"),
    StorageUnavailable: (503, "SERVICE_UNAVAILABLE"),
}

_HTTP_CODES = {
    400: (422, "VALIDATION_ERROR", "The request is not valid"),
    401: (401, "UNAUTHENTICATED", "A valid bearer token is required"),
    403: (403, "FORBIDDEN", "Not allowed"),
    404: (404, "NOT_FOUND", "No such resource"),
    405: (405, "METHOD_NOT_ALLOWED", "This method is not allowed here"),
    413: (413, "PAYLOAD_TOO_LARGE", "The request body is too large (the limit is 50 MB)"),
    415: (415, "UNSUPPORTED_MEDIA_TYPE", "Send JSON"),
    429: (429, "RATE_LIMITED", "Too many requests"),
}


def is_v1(request: Request[Any, Any, Any]) -> bool:
    path = request.scope.get("path", "")
    return bool(path == V1_PREFIX or path.startswith(V1_PREFIX + "/"))


def v1_error(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[ErrorEnvelope]:
    return Response(
        ErrorEnvelope(error=ErrorDetail(code=code, message=message, details=details)),
        status_code=status,
        headers=headers,
    )


def domain_error(exc: DomainError, headers: dict[str, str]) -> Response[ErrorEnvelope]:
    status, code = 500, "INTERNAL_ERROR"
    for cls in type(exc).__mro__:
        if cls in _CODES:
            status, code = _CODES[cls]
            break
    details: dict[str, Any] | None = None
    if isinstance(exc, InvalidInput) and exc.problems:
        details = {}
        for problem in exc.problems:
            field = ".".join(str(p) for p in problem.path) or "_"
            details.setdefault(field, []).append(problem.message)
    if isinstance(exc, ProviderError) and exc.status is not None:
        details = {"provider_status": exc.status}
    if isinstance(exc, RateLimited):
        headers = {**headers, "Retry-After": str(exc.retry_after)}
    if isinstance(exc, ProviderRateLimited) and exc.retry_after:
        headers = {**headers, "Retry-After": str(max(1, round(exc.retry_after)))}
    return v1_error(status, code, exc.message, details, headers)


def http_error(
    status: int, detail: str, problems: list[dict[str, Any]], headers: dict[str, str]
) -> Response[ErrorEnvelope]:
    mapped_status, code, words = _HTTP_CODES.get(status, (status, "INTERNAL_ERROR", detail))
    details: dict[str, Any] | None = None
    if problems:
        details = {}
        for problem in problems:
            field = ".".join(str(p) for p in problem["path"]) or "_"
            details.setdefault(field, []).append(problem["message"])
        words = "The request is not valid"
    return v1_error(mapped_status, code, words, details, headers)
