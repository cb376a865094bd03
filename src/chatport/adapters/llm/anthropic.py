"""Anthropic's Messages API."""

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
from chatport.domain.messages import MessageRole
from chatport.domain.providers import RemoteModel

API_VERSION = "2023-06-01"
# The API requires a reply budget; this one suits chat.
DEFAULT_MAX_TOKENS = 4096


class _Usage(msgspec.Struct):
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None


class _Message(msgspec.Struct):
    usage: _Usage | None = None


class _Delta(msgspec.Struct):
    text: str | None = None  # text_delta; other kinds (thinking, tool input) are skipped
    stop_reason: str | None = None  # message_delta


class _Event(msgspec.Struct):
    """Every event in one shape: each kind fills its own fields."""

    type: str
    delta: _Delta | None = None
    message: _Message | None = None
    usage: _Usage | None = None
    error: Any = None


class _Model(msgspec.Struct):
    id: str
    display_name: str | None = None


class _Models(msgspec.Struct):
    data: list[_Model]


_EVENT = msgspec.json.Decoder(_Event)
_MODELS = msgspec.json.Decoder(_Models)
_ENCODE = msgspec.json.Encoder().encode
_FINISH = {
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "max_tokens": FinishReason.LENGTH,
    "model_context_window_exceeded": FinishReason.LENGTH,
    "tool_use": FinishReason.TOOL_CALLS,
    "refusal": FinishReason.CONTENT_FILTER,
}


class AnthropicClient(TransportClient):
    """``LLMClient`` over ``POST {base_url}/messages`` with ``stream: true``.

    ``base_url`` is like ``https://api.anthropic.com/v1``. The system prompt (and any
    system-role turn) goes in the top-level ``system``; turns are made to alternate
    as the API demands.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        transport: HttpTransport | None = None,
        default_max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> None:
        base = base_url.rstrip("/")
        self._chat_url = f"{base}/messages"
        # The list is paged, 20 by default; one page of the maximum holds them all.
        self._models_url = f"{base}/models?limit=1000"
        self._api_key = api_key
        self._default_max_tokens = default_max_tokens
        self._transport = transport or HttpTransport()
        self._headers = {
            "content-type": "application/json",
            "accept": "text/event-stream",
            "anthropic-version": API_VERSION,
        }
        if api_key:
            self._headers["x-api-key"] = api_key

    async def list_models(self) -> list[RemoteModel]:
        models = (await self._get_json(self._models_url, self._headers, _MODELS)).data
        return [RemoteModel(model_id=m.id, display_name=m.display_name) for m in models]

    async def stream_chat(self, request: CompletionRequest) -> AsyncIterator[LLMEvent]:
        prompt_tokens = completion_tokens = 0
        finish: FinishReason | None = None
        done = False
        async with self._transport.stream(
            self._chat_url,
            _ENCODE(self._payload(request)),
            self._headers,
            SSEDecoder().feed,
            model=request.model,
            secret=self._api_key,
        ) as events:
            async for batch in events:
                for _name, data in batch:
                    try:
                        event = _EVENT.decode(data)
                    except msgspec.DecodeError:
                        raise unreadable(data) from None
                    kind = event.type
                    if kind == "content_block_delta":
                        if event.delta is not None and event.delta.text:
                            yield TextDelta(event.delta.text)
                    elif kind == "message_start":
                        if event.message is not None and event.message.usage is not None:
                            prompt_tokens = _input_tokens(event.message.usage)
                    elif kind == "message_delta":
                        if event.delta is not None and event.delta.stop_reason:
                            finish = _FINISH.get(event.delta.stop_reason, FinishReason.OTHER)
                        if event.usage is not None and event.usage.output_tokens is not None:
                            completion_tokens = event.usage.output_tokens
                    elif kind == "message_stop":
                        done = True
                        break
                    elif kind == "error":
                        message, code = describe(event.error, self._api_key)
                        raise classify(None, message, code, model=request.model)
                if done:
                    await events.drain()
                    break
        if not done:
            raise MalformedStream("The provider's reply ended before it finished")
        yield UsageReport(prompt_tokens, completion_tokens)
        yield Finished(finish or FinishReason.OTHER)

    def _payload(self, request: CompletionRequest) -> dict[str, Any]:
        system, messages = _alternating(request)
        payload: dict[str, Any] = {
            "model": request.model,
            "messages": messages,
            "max_tokens": request.max_tokens or self._default_max_tokens,
            "stream": True,
        }
        if system:
            payload["system"] = system
        if request.temperature is not None:
            payload["temperature"] = request.temperature
        return payload


def _alternating(request: CompletionRequest) -> tuple[str, list[dict[str, Any]]]:
    """The system text and the turns as the API takes them: system-role turns join
    the system prompt, empty turns (refused by the API) go, consecutive turns of
    one role merge, and the first turn is the user's. A turn with images has a
    list of content blocks, the images first (as Anthropic advises)."""
    system = [request.system] if request.system else []
    messages: list[dict[str, Any]] = []
    for turn in request.turns:
        if turn.role is MessageRole.SYSTEM:
            system.append(turn.content)
        elif not (turn.content.strip() or turn.images) or (
            not messages and turn.role is MessageRole.ASSISTANT
        ):
            continue
        elif messages and messages[-1]["role"] == turn.role.value:
            messages[-1]["content"] = _merged(messages[-1]["content"], _content(turn))
        else:
            messages.append({"role": turn.role.value, "content": _content(turn)})
    return "\n\n".join(system), messages


def _content(turn: ChatTurn) -> str | list[dict[str, Any]]:
    if not turn.images:
        return turn.content
    blocks: list[dict[str, Any]] = [
        {
            "type": "image",
            "source": {"type": "base64", "media_type": image.mime_type, "data": image.data},
        }
        for image in turn.images
    ]
    if turn.content.strip():
        blocks.append({"type": "text", "text": turn.content})
    return blocks


def _merged(
    first: str | list[dict[str, Any]], then: str | list[dict[str, Any]]
) -> str | list[dict[str, Any]]:
    if isinstance(first, str) and isinstance(then, str):
        return first + "\n\n" + then
    return _blocks(first) + _blocks(then)


def _blocks(content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else content


def _input_tokens(usage: _Usage) -> int:
    # Cached prompt tokens are counted apart from input_tokens; the prompt is all three.
    return (
        (usage.input_tokens or 0)
        + (usage.cache_creation_input_tokens or 0)
        + (usage.cache_read_input_tokens or 0)
    )
