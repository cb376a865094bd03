"""What each fake says on the wire: paths, stream frames and the providers' real
error bodies (as documented or seen in the wild)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec

ErrorKind = Literal["auth", "forbidden", "model", "rate_limit", "context", "server", "bad_request"]
Headers = dict[str, str]

_json = msgspec.json.encode


def _sse(doc: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n".encode() if event else b""
    return head + b"data: " + _json(doc) + b"\n\n"


class Wire:
    """The OpenAI chat completions API (and every compatible server)."""

    prefix = "/v1"  # what follows the root in the adapter's base URL
    chat_path = "/v1/chat/completions"
    models_path = "/v1/models"
    content_type = "text/event-stream"
    malformed = b'data: {"choices": [{"delta": {"content": "half\n\n'

    def given_key(self, headers: Headers) -> str:
        return headers.get("authorization", "").removeprefix("Bearer ")

    def error(self, kind: ErrorKind, model: str, key: str) -> tuple[int, Any, Headers]:
        # The key is echoed whole, worse than OpenAI (which masks it), so that tests
        # prove the adapters keep it out of their messages.
        bodies: dict[ErrorKind, tuple[int, str, str, str | None]] = {
            "auth": (
                401,
                f"Incorrect API key provided: {key}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                "invalid_api_key",
            ),
            "forbidden": (
                403,
                "Country, region, or territory not supported",
                "request_forbidden",
                "unsupported_country_region_territory",
            ),
            "model": (
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                "invalid_request_error",
                "model_not_found",
            ),
            "rate_limit": (
                429,
                f"Rate limit reached for {model} on requests per min (RPM): Limit 3, "
                "Used 3, Requested 1.",
                "requests",
                "rate_limit_exceeded",
            ),
            "context": (
                400,
                "This model's maximum context length is 8192 tokens. However, your "
                "messages resulted in 9120 tokens. Please reduce the length of the messages.",
                "invalid_request_error",
                "context_length_exceeded",
            ),
            "server": (
                500,
                "The server had an error while processing your request. Sorry about that!",
                "server_error",
                None,
            ),
            "bad_request": (
                400,
                "Invalid value for 'temperature': expected a number between 0 and 2.",
                "invalid_request_error",
                "invalid_value",
            ),
        }
        status, message, kind_name, code = bodies[kind]
        body = {"error": {"message": message, "type": kind_name, "param": None, "code": code}}
        return status, body, {}

    def rate_limit_headers(self) -> Headers:
        return {"x-ratelimit-reset-requests": "6s", "x-ratelimit-reset-tokens": "1.5s"}

    def models(self, names: list[str]) -> Any:
        return {
            "object": "list",
            "data": [{"id": n, "object": "model", "created": 0, "owned_by": "fake"} for n in names],
        }

    def start(self, model: str, prompt_tokens: int) -> bytes:
        # OpenRouter sends such comments while the model thinks.
        return b": PROCESSING\n\n" + self._chunk(model, {"role": "assistant", "content": ""})

    def token(self, model: str, text: str) -> bytes:
        return self._chunk(model, {"content": text})

    def finish(self, model: str, length: bool, prompt: int, completion: int, body: Any) -> bytes:
        frames = self._chunk(model, {}, "length" if length else "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
            frames += _sse(self._base(model) | {"choices": [], "usage": usage})
        return frames + b"data: [DONE]\n\n"

    def stream_error(self) -> bytes:
        error = {
            "message": "The server had an error while processing your request.",
            "type": "server_error",
            "code": None,
        }
        return _sse({"error": error})

    def max_tokens(self, body: Any) -> int | None:
        return body.get("max_tokens")

    def _base(self, model: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
        }

    def _chunk(self, model: str, delta: Any, finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return _sse(self._base(model) | {"choices": [choice]})


class AnthropicWire(Wire):
    """The Messages API."""

    chat_path = "/v1/messages"
    models_path = "/v1/models"
    malformed = b'event: content_block_delta\ndata: {"type": "content_block_delta", "delta": \n\n'

    def given_key(self, headers: Headers) -> str:
        return headers.get("x-api-key", "")

    def error(self, kind: ErrorKind, model: str, key: str) -> tuple[int, Any, Headers]:
        bodies: dict[ErrorKind, tuple[int, str, str]] = {
            "auth": (401, "authentication_error", "invalid x-api-key"),
            "forbidden": (
                403,
                "permission_error",
                "Your API key does not have permission to use the specified resource.",
            ),
            "model": (404, "not_found_error", f"model: {model}"),
            "rate_limit": (
                429,
                "rate_limit_error",
                "This request would exceed the rate limit for your organization of 50 "
                "requests per minute.",
            ),
            "context": (
                400,
                "invalid_request_error",
                "prompt is too long: 204512 tokens > 200000 maximum",
            ),
            "server": (500, "api_error", "Internal server error"),
            "bad_request": (400, "invalid_request_error", "max_tokens: Field required"),
        }
        status, kind_name, message = bodies[kind]
        return status, {"type": "error", "error": {"type": kind_name, "message": message}}, {}

    def rate_limit_headers(self) -> Headers:
        reset = datetime.now(UTC) + timedelta(seconds=6)
        return {"anthropic-ratelimit-requests-reset": reset.isoformat().replace("+00:00", "Z")}

    def models(self, names: list[str]) -> Any:
        data = [
            {
                "type": "model",
                "id": n,
                "display_name": n.title(),
                "created_at": "2025-01-01T00:00:00Z",
            }
            for n in names
        ]
        return {"data": data, "has_more": False, "first_id": names[0], "last_id": names[-1]}

    def start(self, model: str, prompt_tokens: int) -> bytes:
        message = {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": model,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": prompt_tokens, "output_tokens": 1},
        }
        block = {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "text", "text": ""},
        }
        return (
            _sse({"type": "message_start", "message": message}, "message_start")
            + _sse(block, "content_block_start")
            + _sse({"type": "ping"}, "ping")
        )

    def token(self, model: str, text: str) -> bytes:
        delta = {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": text},
        }
        return _sse(delta, "content_block_delta")

    def finish(self, model: str, length: bool, prompt: int, completion: int, body: Any) -> bytes:
        delta = {
            "type": "message_delta",
            "delta": {"stop_reason": "max_tokens" if length else "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": completion},
        }
        return (
            _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
            + _sse(delta, "message_delta")
            + _sse({"type": "message_stop"}, "message_stop")
        )

    def stream_error(self) -> bytes:
        return _sse(
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            "error",
        )


class OllamaWire(Wire):
    """Ollama's native API."""

    prefix = ""
    chat_path = "/api/chat"
    models_path = "/api/tags"
    content_type = "application/x-ndjson"
    malformed = b'{"message": {"role": "assistant", "content": \n'

    def error(self, kind: ErrorKind, model: str, key: str) -> tuple[int, Any, Headers]:
        bodies: dict[ErrorKind, tuple[int, str]] = {
            "auth": (401, "unauthorized"),
            "forbidden": (403, "forbidden"),
            "model": (404, f'model "{model}" not found, try pulling it first'),
            "rate_limit": (429, "too many requests"),
            "context": (400, "the input length exceeds the context length"),
            "server": (500, "llama runner process has terminated: exit status 2"),
            "bad_request": (
                400,
                "json: cannot unmarshal string into Go struct field ChatRequest.messages",
            ),
        }
        status, message = bodies[kind]
        return status, {"error": message}, {}

    def rate_limit_headers(self) -> Headers:
        return {}

    def models(self, names: list[str]) -> Any:
        return {
            "models": [
                {
                    "name": n,
                    "model": n,
                    "modified_at": "2025-01-01T00:00:00Z",
                    "size": 1,
                    "digest": "0" * 64,
                }
                for n in names
            ]
        }

    def start(self, model: str, prompt_tokens: int) -> bytes:
        return b""

    def token(self, model: str, text: str) -> bytes:
        return self._line(model, text, {"done": False})

    def finish(self, model: str, length: bool, prompt: int, completion: int, body: Any) -> bytes:
        final = {
            "done": True,
            "done_reason": "length" if length else "stop",
            "total_duration": 1,
            "prompt_eval_count": prompt,
            "eval_count": completion,
        }
        return self._line(model, "", final)

    def stream_error(self) -> bytes:
        return (
            _json({"error": "an error was encountered while running the model: unexpected EOF"})
            + b"\n"
        )

    def max_tokens(self, body: Any) -> int | None:
        return (body.get("options") or {}).get("num_predict")

    def _line(self, model: str, text: str, rest: dict[str, Any]) -> bytes:
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        doc = {
            "model": model,
            "created_at": created,
            "message": {"role": "assistant", "content": text},
        }
        return _json(doc | rest) + b"\n"
