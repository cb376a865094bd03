"""Provider failures as domain errors, in words a user understands.

Every adapter goes through here, so an expired key or a full context window reads
the same whichever provider said it. A provider's own message is kept (trimmed) as
a hint, with the API key cut out should a provider echo it back.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import msgspec

from chatport.domain.generation import (
    ContextTooLong,
    MalformedStream,
    ModelNotFound,
    ProviderAuthFailed,
    ProviderError,
    ProviderRateLimited,
    ProviderRejected,
    ProviderUnavailable,
)

DETAIL_MAX_CHARS = 300

# Error types of in-stream errors, which come without an HTTP status, as the status
# the same error gets when it comes before the stream.
_TYPE_STATUS = {
    "authentication_error": 401,
    "invalid_api_key": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "model_not_found": 404,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "invalid_request_error": 400,
    "request_too_large": 413,
    "api_error": 500,
    "server_error": 500,
    "overloaded_error": 529,
}
_TOO_LONG = (
    "context_length",  # OpenAI's code context_length_exceeded
    "context length",  # vLLM, Ollama
    "context window",
    "context size",  # llama.cpp: "exceeds the available context size"
    "exceed_context",  # llama.cpp's type exceed_context_size_error
    "prompt is too long",  # Anthropic
    "input is too long",
    "too many tokens",
)
_NO_MODEL = ("model_not_found", "does not exist", "not a valid model", "unknown model")
_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_GO_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "[redacted]") if secret and secret in text else text


def error_detail(body: bytes, secret: str | None) -> tuple[str, str]:
    """The provider's error message and its code or type (lowercase), from the bodies
    of OpenAI and compatibles, Anthropic, Ollama, llama.cpp and vLLM."""
    try:
        doc: Any = msgspec.json.decode(body)
    except msgspec.DecodeError:
        text = body.decode("utf-8", "replace").strip()
        # An HTML error page (a proxy's) says nothing worth repeating.
        return _tidy("" if text.startswith("<") else text, secret), ""
    return describe(doc.get("error", doc) if isinstance(doc, dict) else doc, secret)


def describe(error: Any, secret: str | None) -> tuple[str, str]:
    """Message and code of a decoded error: an object or a bare string."""
    message, code = "", ""
    if isinstance(error, dict):
        message = str(error.get("message") or error.get("detail") or "")
        code = " ".join(str(error[key]) for key in ("code", "type") if error.get(key))
    elif isinstance(error, str):
        message = error
    return _tidy(message, secret), code.lower()


def _tidy(message: str, secret: str | None) -> str:
    message = redact(" ".join(message.split()), secret)
    if len(message) > DETAIL_MAX_CHARS:
        message = message[: DETAIL_MAX_CHARS - 3] + "..."
    return message


def unreadable(data: bytes) -> MalformedStream:
    sample = data[:80].decode("utf-8", "replace")
    return MalformedStream(f"The provider sent an event that is not valid JSON: {sample!r}")


def classify(
    status: int | None,
    message: str,
    code: str,
    *,
    model: str | None,
    retry_after: float | None = None,
) -> ProviderError:
    """The domain error for a provider's refusal; ``status`` is None for an error
    reported inside a stream, whose code then stands in for it; ``model`` is None
    outside a completion (listing models)."""
    effective = status if status is not None else _status_of(code)
    lowered = f"{code} {message.lower()}"

    def said(words: str) -> str:
        return f"{words}. The provider said: {message}" if message else words

    if effective in (401, 403):
        words = (
            "The provider refused the API key"
            if effective == 401
            else "The provider refused access with this API key"
        )
        return ProviderAuthFailed(said(words), status)
    if effective == 429:
        wait = f"; try again in {math.ceil(retry_after)} s" if retry_after else ""
        return ProviderRateLimited(
            said(f"The provider is limiting requests{wait}"), status, retry_after
        )
    refusal = effective in (None, 400, 413, 422)
    if refusal and any(words in lowered for words in _TOO_LONG):
        return ContextTooLong(
            said("The conversation is too long for this model's context window"), status
        )
    no_model = effective == 404 or (refusal and any(words in lowered for words in _NO_MODEL))
    if model is not None and no_model:
        return ModelNotFound(said(f"The provider does not know the model '{model}'"), status)
    if effective == 404:
        return ProviderRejected(
            said("The provider has no such endpoint (HTTP 404); check the base URL"), status
        )
    if effective is not None and 300 <= effective < 500:
        return ProviderRejected(
            said(f"The provider rejected the request (HTTP {effective})"), status
        )
    if status is None:
        return ProviderUnavailable(said("The provider failed in the middle of the reply"), status)
    return ProviderUnavailable(said(f"The provider is having trouble (HTTP {status})"), status)


def _status_of(code: str) -> int | None:
    for word in code.split():
        if word.isdigit():
            return int(word)
        if word in _TYPE_STATUS:
            return _TYPE_STATUS[word]
    return None


def status_error(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    model: str | None,
    secret: str | None,
) -> ProviderError:
    """The error for an answer that is not a 2xx, from its status, headers and body."""
    message, code = error_detail(body, secret)
    retry = retry_after(headers) if status == 429 else None
    return classify(status, message, code, model=model, retry_after=retry)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait, from ``Retry-After`` (seconds or an HTTP date),
    ``retry-after-ms``, OpenAI's ``x-ratelimit-reset-*`` (``1m30s``) or Anthropic's
    ``anthropic-ratelimit-*-reset`` (RFC 3339). ``headers`` look names up without
    regard to case, as HTTP clients' header maps do."""
    if value := headers.get("retry-after-ms"):
        seconds = _number(value)
        if seconds is not None:
            return seconds / 1000
    if value := headers.get("retry-after"):
        seconds = _number(value)
        return seconds if seconds is not None else _until_http_date(value)
    waits = [
        _go_duration(value)
        for name in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens")
        if (value := headers.get(name))
    ]
    waits += [
        _until_iso(value)
        for name, value in headers.items()
        if (lowered := name.lower()).startswith("anthropic-ratelimit-")
        and lowered.endswith("-reset")
    ]
    return max(waits) if waits else None


def _number(value: str) -> float | None:
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _go_duration(value: str) -> float:
    return sum(float(number) * _GO_UNITS[unit] for number, unit in _GO_DURATION.findall(value))


def _until_http_date(value: str) -> float | None:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _until_iso(value: str) -> float:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return 0.0
    return max(0.0, moment.timestamp() - time.time())
