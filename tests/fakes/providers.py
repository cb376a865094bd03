"""Fake LLM providers: real HTTP servers speaking OpenAI's, Anthropic's and Ollama's
wire formats, for the adapters' contract tests, end-to-end tests and load runs.

    fake = FakeOpenAI()
    async with fake.serve():            # or: with fake.serve_in_thread():
        client = OpenAICompatibleClient(fake.base_url)
        ...
        fake.requests[-1].body["messages"]

Every chat request streams ``Echo: <last user message>`` word by word
(``reply_tokens`` words instead, when set), ``token_delay`` seconds apart, then the
finish and the usage; ``max_tokens`` cuts it short with a length finish. A model not
in ``models`` gets the provider's 404; with ``api_key`` set, a request without that
key gets its 401. ``script`` holds what the next requests do instead, one
``Behaviour`` each, oldest first.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from tests.fakes.server import serve, serve_in_thread
from tests.fakes.wire import AnthropicWire, ErrorKind, OllamaWire, Wire

Interruption = Literal["cut", "end", "malformed", "error", "hang"]
# Waits up to this long are slept whole before looking whether the client went.
_SHORT_SLEEP = 0.1


@dataclass(frozen=True, kw_only=True)
class Behaviour:
    """What one request gets instead of the plain reply.

    ``error``: that provider's error status and body. ``retry_after``: the
    ``Retry-After`` header of a 429 (None: only the provider's own headers).
    ``first_byte_delay``: seconds before the headers. ``interrupt`` after
    ``after_tokens`` tokens: ``cut`` drops the connection, ``end`` ends the body
    without a finish, ``malformed`` sends a line that is not JSON, ``error`` the
    provider's in-stream error, ``hang`` goes silent for ``hang_seconds``.
    """

    error: ErrorKind | None = None
    retry_after: str | None = "2"
    first_byte_delay: float = 0.0
    interrupt: Interruption | None = None
    after_tokens: int = 0
    hang_seconds: float = 30.0


@dataclass(eq=False)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the decoded JSON body, None when there was none
    client_port: int | None = None  # the same port twice: a kept-alive connection
    tokens_sent: int = 0
    completed: bool = False
    disconnected: threading.Event = field(default_factory=threading.Event)
    """Set when the client went away before the response was complete."""


class FakeProvider:
    wire: Wire = Wire()
    default_models: tuple[str, ...] = ("gpt-fake", "gpt-fake-mini")

    def __init__(
        self,
        *,
        models: list[str] | None = None,
        api_key: str | None = None,
        token_delay: float = 0.0,
        reply_tokens: int | None = None,
    ) -> None:
        self.models = list(models or self.default_models)
        self.api_key = api_key
        self.token_delay = token_delay
        self.reply_tokens = reply_tokens
        self.script: deque[Behaviour] = deque()
        self.requests: list[RecordedRequest] = []
        self.root_url = ""

    @property
    def base_url(self) -> str:
        """What the adapter takes as its base URL."""
        return self.root_url + self.wire.prefix

    def reset(self) -> None:
        """Back to plain replies, no key, no delay; forgets the requests."""
        self.script.clear()
        self.requests.clear()
        self.api_key = None
        self.token_delay = 0.0
        self.reply_tokens = None
        self.models = list(self.default_models)

    def reply_for(self, text: str) -> list[str]:
        """The tokens streamed for a last user message ``text``."""
        if self.reply_tokens is not None:
            return [f"w{i} " for i in range(self.reply_tokens)]
        words = f"Echo: {text}".split(" ")
        return [w + " " for w in words[:-1]] + [words[-1]]

    async def wait_disconnected(self, within: float = 2.0) -> bool:
        """Whether the last request's client went away early, waiting up to
        ``within`` seconds for it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            if self.requests and self.requests[-1].disconnected.is_set():
                return True
            await asyncio.sleep(0.01)
        return False

    @contextlib.asynccontextmanager
    async def serve(self) -> AsyncIterator[FakeProvider]:
        async with serve(self) as url:
            self.root_url = url
            yield self

    @contextlib.contextmanager
    def serve_in_thread(self) -> Iterator[FakeProvider]:
        with serve_in_thread(self) as url:
            self.root_url = url
            yield self

    # ------------------------------------------------------------ the ASGI app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        raw, more = b"", True
        while more:
            message = await receive()
            raw += message.get("body", b"")
            more = message.get("more_body", False)
        record = RecordedRequest(
            method=scope["method"],
            path=scope["path"],
            headers={k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
            body=msgspec.json.decode(raw) if raw else None,
            client_port=scope["client"][1] if scope.get("client") else None,
        )
        self.requests.append(record)
        behaviour = self.script.popleft() if self.script else Behaviour()
        gone = asyncio.Event()
        watcher = asyncio.create_task(_watch(receive, record, gone))
        try:
            await self._respond(send, record, behaviour, gone)
        finally:
            watcher.cancel()

    async def _respond(
        self, send: Any, record: RecordedRequest, behaviour: Behaviour, gone: asyncio.Event
    ) -> None:
        if behaviour.first_byte_delay and await _sleep(gone, behaviour.first_byte_delay):
            return
        body = record.body if isinstance(record.body, dict) else {}
        model = str(body.get("model", ""))
        route = (record.method, record.path)
        if route not in {("GET", self.wire.models_path), ("POST", self.wire.chat_path)}:
            await _send_json(send, record, 404, {"error": "not found"}, {})
        elif self.api_key and self.wire.given_key(record.headers) != self.api_key:
            await self._send_error(send, record, "auth", model, behaviour)
        elif behaviour.error:
            await self._send_error(send, record, behaviour.error, model, behaviour)
        elif record.method == "GET":
            await _send_json(send, record, 200, self.wire.models(self.models), {})
        elif model not in self.models:
            await self._send_error(send, record, "model", model, behaviour)
        else:
            await self._stream(send, record, body, model, behaviour, gone)

    async def _send_error(
        self, send: Any, record: RecordedRequest, kind: ErrorKind, model: str, behaviour: Behaviour
    ) -> None:
        status, doc, headers = self.wire.error(kind, model, self.wire.given_key(record.headers))
        if kind == "rate_limit":
            headers = {**headers, **self.wire.rate_limit_headers()}
            if behaviour.retry_after is not None:
                headers["retry-after"] = behaviour.retry_after
        await _send_json(send, record, status, doc, headers)

    async def _stream(
        self,
        send: Any,
        record: RecordedRequest,
        body: dict[str, Any],
        model: str,
        behaviour: Behaviour,
        gone: asyncio.Event,
    ) -> None:
        prompt, last_user = _read_prompt(body)
        tokens = self.reply_for(last_user)
        limit = self.wire.max_tokens(body)
        length = limit is not None and limit < len(tokens)
        tokens = tokens[:limit] if length else tokens
        headers = [
            (b"content-type", self.wire.content_type.encode()),
            (b"cache-control", b"no-cache"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await _more(send, self.wire.start(model, prompt))
        for index in range(len(tokens) + 1):
            if behaviour.interrupt and index == min(behaviour.after_tokens, len(tokens)):
                await self._interrupt(send, record, behaviour, gone)
                return
            if index == len(tokens):
                break
            if index and self.token_delay and await _sleep(gone, self.token_delay):
                return
            if gone.is_set():
                return
            await _more(send, self.wire.token(model, tokens[index]))
            record.tokens_sent += 1
        record.completed = True
        final = self.wire.finish(model, length, prompt, len(tokens), body)
        await send({"type": "http.response.body", "body": final, "more_body": False})

    async def _interrupt(
        self, send: Any, record: RecordedRequest, behaviour: Behaviour, gone: asyncio.Event
    ) -> None:
        if behaviour.interrupt == "cut":
            return  # uvicorn drops the connection of a response left unfinished
        if behaviour.interrupt == "hang" and await _sleep(gone, behaviour.hang_seconds):
            return
        last = {"malformed": self.wire.malformed, "error": self.wire.stream_error()}
        record.completed = True
        tail = last.get(behaviour.interrupt or "", b"")
        await send({"type": "http.response.body", "body": tail, "more_body": False})


class FakeOpenAI(FakeProvider):
    """OpenAI's chat completions API; the base URL ends in ``/v1``."""


class FakeAnthropic(FakeProvider):
    """Anthropic's Messages API; the base URL ends in ``/v1``."""

    wire = AnthropicWire()
    default_models = ("claude-fake", "claude-fake-haiku")


class FakeOllama(FakeProvider):
    """Ollama's native API; the base URL is the server's root."""

    wire = OllamaWire()
    default_models = ("llama-fake:8b", "qwen-fake:0.5b")


async def _watch(receive: Any, record: RecordedRequest, gone: asyncio.Event) -> None:
    message = await receive()
    if message["type"] == "http.disconnect" and not record.completed:
        record.disconnected.set()
        gone.set()


async def _sleep(gone: asyncio.Event, seconds: float) -> bool:
    """Sleep, unless the client goes away first; whether it went.

    Token gaps are short, so they are slept whole and the client checked after: a
    task per token (``wait_for``) was most of the fake's CPU at a thousand streams.
    Long waits (a slow first byte, a hang) wake when the client goes."""
    if seconds <= _SHORT_SLEEP:
        await asyncio.sleep(seconds)
        return gone.is_set()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(gone.wait(), seconds)
    return gone.is_set()


async def _more(send: Any, data: bytes) -> None:
    if data:
        await send({"type": "http.response.body", "body": data, "more_body": True})


async def _send_json(
    send: Any, record: RecordedRequest, status: int, doc: Any, headers: dict[str, str]
) -> None:
    pairs = [(b"content-type", b"application/json")]
    pairs += [(k.encode(), v.encode()) for k, v in headers.items()]
    record.completed = True
    await send({"type": "http.response.start", "status": status, "headers": pairs})
    await send({"type": "http.response.body", "body": msgspec.json.encode(doc)})


def _read_prompt(body: dict[str, Any]) -> tuple[int, str]:
    """The prompt's size in words (system and messages) and the last user text."""
    words, last_user = 0, ""
    system = body.get("system")
    if isinstance(system, str):
        words += len(system.split())
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(
                p["text"] for p in content if isinstance(p, dict) and p.get("type") == "text"
            )
        text = str(content or "")
        words += len(text.split())
        if message.get("role") == "user":
            last_user = text
    return words, last_user
