"""Ollama's native API: ``/api/chat`` streaming NDJSON, ``/api/tags``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec

from chatport.adapters.llm.errors import classify, describe, unreadable
from chatport.adapters.llm.framing import NDJSONDecoder
from chatport.adapters.llm.transport import HttpTransport, TransportClient
from chatport.domain.generation import (
    ChatTurn,
    CompletionRequest,
    Finished,
    FinishReason,
    LLMEvent,
    MalformedStream,
    TextDelta,
    UsageReport,
)
from chatport.domain.providers import RemoteModel


class _Message(msgspec.Struct):
    content: str = ""


class _Chunk(msgspec.Struct):
    message: _Message | None = None
    done: bool = False
    done_reason: str | None = None
    prompt_eval_count: int = 0
    eval_count: int = 0
    error: Any = None


class _Model(msgspec.Struct):
    name: str


class _Tags(msgspec.Struct):
    models: list[_Model]


_CHUNK = msgspec.json.Decoder(_Chunk)
_TAGS = msgspec.json.Decoder(_Tags)
_ENCODE = msgspec.json.Encoder().encode
_FINISH = {"stop": FinishReason.STOP, "length": FinishReason.LENGTH}


class OllamaClient(TransportClient):
    """``LLMClient`` over Ollama's native ``POST {base_url}/api/chat``.

    ``base_url`` is the server's root (``http://127.0.0.1:11434``); a trailing
    ``/v1``, which belongs to Ollama's OpenAI-compatible door, is dropped. A key, for
    an Ollama behind an authenticating proxy, goes in ``Authorization: Bearer``.
    """

    def __init__(
        self, base_url: str, api_key: str | None = None, *, transport: HttpTransport | None = None
    ) -> None:
        base = base_url.rstrip("/").removesuffix("/v1")
        self._chat_url = f"{base}/api/chat"
        self._tags_url = f"{base}/api/tags"
        self._api_key = api_key
        self._transport = transport or HttpTransport()
        self._headers = {"content-type": "application/json", "accept": "application/x-ndjson"}
        if api_key:
            self._headers["authorization"] = f"Bearer {api_key}"

    async def list_models(self) -> list[RemoteModel]:
        models = (await self._get_json(self._tags_url, self._headers, _TAGS)).models
        return [RemoteModel(model_id=m.name, display_name=m.name) for m in models]

    async def stream_chat(self, request: CompletionRequest) -> AsyncIterator[LLMEvent]:
        last: _Chunk | None = None
        async with self._transport.stream(
            self._chat_url,
            _ENCODE(_payload(request)),
            self._headers,
            NDJSONDecoder().feed,
            model=request.model,
            secret=self._api_key,
        ) as lines:
            async for batch in lines:
                for line in batch:
                    try:
                        chunk = _CHUNK.decode(line)
                    except msgspec.DecodeError:
                        raise unreadable(line) from None
                    if chunk.error is not None:
                        message, code = describe(chunk.error, self._api_key)
                        raise classify(None, message, code, model=request.model)
                    if chunk.message is not None and chunk.message.content:
                        yield TextDelta(chunk.message.content)
                    if chunk.done:
                        last = chunk
                        break
                if last is not None:
                    await lines.drain()
                    break
        if last is None:
            raise MalformedStream("The provider's reply ended before it finished")
        yield UsageReport(last.prompt_eval_count, last.eval_count)
        yield Finished(_FINISH.get(last.done_reason or "stop", FinishReason.OTHER))


def _payload(request: CompletionRequest) -> dict[str, Any]:
    messages = [{"role": "system", "content": request.system}] if request.system else []
    messages += [_message(turn) for turn in request.turns]
    options: dict[str, Any] = {}
    if request.max_tokens is not None:
        options["num_predict"] = request.max_tokens
    if request.temperature is not None:
        options["temperature"] = request.temperature
    payload: dict[str, Any] = {"model": request.model, "messages": messages, "stream": True}
    if options:
        payload["options"] = options
    return payload


def _message(turn: ChatTurn) -> dict[str, Any]:
    message: dict[str, Any] = {"role": turn.role.value, "content": turn.content}
    if turn.images:  # Ollama takes bare base64, whatever the format
        message["images"] = [image.data for image in turn.images]
    return message
