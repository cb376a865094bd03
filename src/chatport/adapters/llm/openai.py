"""The chat completions API, as OpenAI, OpenRouter, vLLM, llama.cpp, LM Studio and
Ollama's ``/v1`` speak it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec

from chatport.adapters.llm.errors import classify, describe, unreadable
from chatport.adapters.llm.framing import SSEDecoder
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


class _Delta(msgspec.Struct):
    content: str | None = None


class _Choice(msgspec.Struct):
    delta: _Delta | None = None
    finish_reason: str | None = None


class _Usage(msgspec.Struct):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class _Chunk(msgspec.Struct):
    choices: list[_Choice] | None = None
    usage: _Usage | None = None
    error: Any = None  # rare, so decoded loosely


class _Model(msgspec.Struct):
    id: str
    name: str | None = None  # OpenRouter
    context_length: int | None = None  # OpenRouter


class _Models(msgspec.Struct):
    data: list[_Model]


_CHUNK = msgspec.json.Decoder(_Chunk)
_MODELS = msgspec.json.Decoder(_Models)
_ENCODE = msgspec.json.Encoder().encode
_DONE = b"[DONE]"
_FINISH = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "content_filter": FinishReason.CONTENT_FILTER,
    "tool_calls": FinishReason.TOOL_CALLS,
    "function_call": FinishReason.TOOL_CALLS,
    "error": FinishReason.ERROR,
}


class OpenAICompatibleClient(TransportClient):
    """``LLMClient`` over ``POST {base_url}/chat/completions`` with ``stream: true``.

    ``base_url`` ends where the API's paths start (``https://api.openai.com/v1``).
    The key goes in ``Authorization: Bearer`` when there is one; local servers
    usually need none. Usage comes from the final chunk that
    ``stream_options.include_usage`` asks for.
    """

    def __init__(
        self, base_url: str, api_key: str | None = None, *, transport: HttpTransport | None = None
    ) -> None:
        base = base_url.rstrip("/")
        self._chat_url = f"{base}/chat/completions"
        self._models_url = f"{base}/models"
        self._api_key = api_key
        self._transport = transport or HttpTransport()
        self._headers = {"content-type": "application/json", "accept": "text/event-stream"}
        if api_key:
            self._headers["authorization"] = f"Bearer {api_key}"

    async def list_models(self) -> list[RemoteModel]:
        models = (await self._get_json(self._models_url, self._headers, _MODELS)).data
        return [
            RemoteModel(model_id=m.id, display_name=m.name, context_window=m.context_length)
            for m in models
        ]

    async def stream_chat(self, request: CompletionRequest) -> AsyncIterator[LLMEvent]:
        finish: FinishReason | None = None
        usage: UsageReport | None = None
        done = False
        async with self._transport.stream(
            self._chat_url,
            _ENCODE(_payload(request)),
            self._headers,
            SSEDecoder().feed,
            model=request.model,
            secret=self._api_key,
        ) as events:
            async for batch in events:
                for _name, data in batch:
                    if data == _DONE:
                        done = True
                        break
                    try:
                        chunk = _CHUNK.decode(data)
                    except msgspec.DecodeError:
                        raise unreadable(data) from None
                    if chunk.error is not None:
                        raise self._in_stream_error(chunk.error, request.model)
                    if chunk.usage is not None:
                        usage = UsageReport(
                            chunk.usage.prompt_tokens, chunk.usage.completion_tokens
                        )
                    if chunk.choices:
                        choice = chunk.choices[0]
                        if choice.delta is not None and choice.delta.content:
                            yield TextDelta(choice.delta.content)
                        if choice.finish_reason:
                            finish = _FINISH.get(choice.finish_reason, FinishReason.OTHER)
                if done:
                    await events.drain()
                    break
        # Servers that skip ``[DONE]`` still said how the reply ended.
        if finish is None:
            raise MalformedStream("The provider's reply ended before it finished")
        if usage is not None:
            yield usage
        yield Finished(finish)

    def _in_stream_error(self, error: Any, model: str) -> Exception:
        message, code = describe(error, self._api_key)
        return classify(None, message, code, model=model)


def _payload(request: CompletionRequest) -> dict[str, Any]:
    messages: list[dict[str, Any]] = (
        [{"role": "system", "content": request.system}] if request.system else []
    )
    messages += [{"role": turn.role.value, "content": _content(turn)} for turn in request.turns]
    payload: dict[str, Any] = {
        "model": request.model,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.max_tokens is not None:
        payload["max_tokens"] = request.max_tokens
    if request.temperature is not None:
        payload["temperature"] = request.temperature
    return payload


def _content(turn: ChatTurn) -> str | list[dict[str, Any]]:
    """Plain text, or with images the list of parts (images as data URLs)."""
    if not turn.images:
        return turn.content
    parts: list[dict[str, Any]] = [{"type": "text", "text": turn.content}]
    parts += [
        {"type": "image_url", "image_url": {"url": f"data:{i.mime_type};base64,{i.data}"}}
        for i in turn.images
    ]
    return parts
