"""One place that turns every failure into each surface's status and body.

Domain errors, Litestar's own errors (unknown route, wrong method, bad JSON, body
too large, validation) and anything unexpected all pass through ``handle``, which
answers in the web API's format: ``{"error": "..."}``, plus ``details`` for
validation failures.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from chatport.domain.errors import (
    Conflict,
    CredentialsRequired,
    DomainError,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    Overloaded,
    RateLimited,
    StorageUnavailable,
    TooLarge,
    Unauthenticated,
)
from chatport.domain.generation import ProviderError, ProviderRateLimited
from chatport.http.v1 import errors as v1_errors
from chatport.http.v1.errors import is_v1

log = structlog.get_logger("chatport.http")

# Most specific first: the first class in an error's MRO found here wins.
_DOMAIN_STATUS: dict[type[DomainError], int] = {
    InvalidInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    CredentialsRequired: 428,
    RateLimited: 429,
    ProviderError: 502,
    Overloaded: 503,
    StorageUnavailable: 503,
}

_HTTP_WORDS = {
    400: "Bad request",
    401: "Not logged in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large (the limit is 50 MB)",
    415: "Unsupported media type",
    429: "Too many requests",
    502: "The model provider failed",
    500: "Internal server error",
    503: "Service unavailable",
}


class WebError(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    error: str
    details: list[dict[str, Any]] | None = None


def _status_of(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in _DOMAIN_STATUS:
            return _DOMAIN_STATUS[cls]
    return 500


def _problem(problem: FieldProblem) -> dict[str, Any]:
    return {"code": problem.code, "message": problem.message, "path": list(problem.path)}


# "messages[0].content" -> messages, 0, content
_PATH_PARTS = re.compile(r"[^.\[\]]+")
_LENGTH = re.compile(r"length ([<>]=?) ?\d+")


def _code_for(message: str) -> str:
    """A Zod-like code for a msgspec message, as the seed's examples use."""
    if message.startswith("Object missing required field"):
        return "missing"
    if match := _LENGTH.search(message):
        return "too_short" if ">" in match.group(1) else "too_long"
    if re.search(r"Expected `\w+` >=|Expected `\w+` >", message):
        return "too_small"
    if re.search(r"Expected `\w+` <=|Expected `\w+` <", message):
        return "too_big"
    if message.startswith("Invalid enum value"):
        return "invalid_enum_value"
    if message.startswith("Object contains unknown field"):
        return "unrecognized_keys"
    if message.startswith("Expected"):
        return "invalid_type"
    return "invalid"


def _validation_details(exc: ValidationException) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "Invalid value"))
        key = str(item.get("key") or "")
        if message.startswith("Object missing required field"):
            field = message.rsplit("`", 2)[-2] if message.count("`") >= 2 else ""
            key = f"{key}.{field}" if key and field else field or key
        path: list[str | int] = [int(p) if p.isdigit() else p for p in _PATH_PARTS.findall(key)]
        if path and path[0] == "data":
            path = path[1:]
        details.append({"code": _code_for(message), "message": message, "path": path})
    return details


def web_error(
    status: int,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[WebError]:
    return Response(WebError(error=message, details=details), status_code=status, headers=headers)


def _retry_after(exc: DomainError) -> dict[str, str] | None:
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, ProviderRateLimited) and exc.retry_after:
        return {"Retry-After": str(max(1, round(exc.retry_after)))}
    return None


def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The exception handler of the whole app."""
    if is_v1(request):
        return _handle_v1(request, exc)
    if isinstance(exc, DomainError):
        status = _status_of(exc)
        headers = _retry_after(exc)
        details = (
            [_problem(p) for p in exc.problems]
            if isinstance(exc, InvalidInput) and exc.problems
            else None
        )
        if status >= 500:
            log.warning("backing_service_down", error=exc.message)
        return web_error(status, exc.message, details, headers)
    if isinstance(exc, ValidationException):
        return web_error(400, "Invalid input", _validation_details(exc))
    if isinstance(exc, HTTPException):
        status = exc.status_code
        if status == 400 and "JSON" in str(exc.detail):
            return web_error(
                400,
                "Malformed JSON body",
                [{"code": "invalid_json", "message": str(exc.detail), "path": []}],
            )
        words = _HTTP_WORDS.get(status) or str(exc.detail)
        return web_error(status, words, headers=exc.headers)
    request_id = request.scope.get("state", {}).get("request_id", "")
    log.exception("unhandled_error", request_id=request_id)
    return web_error(500, f"Internal server error (request {request_id})")


def _handle_v1(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        if _status_of(exc) >= 500 and not isinstance(exc, ProviderError):
            log.warning("backing_service_down", error=exc.message)
        return v1_errors.domain_error(exc, headers)
    if isinstance(exc, ValidationException):
        return v1_errors.http_error(400, "Invalid input", _validation_details(exc), headers)
    if isinstance(exc, HTTPException):
        problems = []
        if exc.status_code == 400 and "JSON" in str(exc.detail):
            problems = [{"code": "invalid_json", "message": "Malformed JSON body", "path": []}]
        return v1_errors.http_error(
            exc.status_code, str(exc.detail), problems, {**headers, **(exc.headers or {})}
        )
    request_id = request.scope.get("state", {}).get("request_id", "")
    log.exception("unhandled_error", request_id=request_id)
    return v1_errors.v1_error(
        500, "INTERNAL_ERROR", f"Internal server error (request {request_id})", headers=headers
    )
