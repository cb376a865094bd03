"""Runs rendered in the AI SDK's UI message stream protocol (v1), as the web API
sends them: ``data: {json}`` frames, ``id:`` lines for resuming, ``[DONE]`` last."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec

from chatport.domain.generation import FinishReason, RunEvent, RunEventKind
from chatport.http.sse import PING, SSE_HEADERS, frame, with_pings

UI_STREAM_HEADERS = {**SSE_HEADERS, "x-vercel-ai-ui-message-stream": "v1"}
_DONE = b"data: [DONE]\n\n"
_encode = msgspec.json.Encoder().encode


def _part(**fields: Any) -> bytes:
    return _encode(fields)


def ui_frames(event: RunEvent) -> bytes:
    """The frames of one run event; the last carries the event's id."""
    text_id = f"{event.message_id}-text"
    parts: list[bytes]
    if event.kind is RunEventKind.START:
        parts = [
            _part(type="start", messageId=event.message_id),
            _part(type="start-step"),
            _part(type="text-start", id=text_id),
        ]
    elif event.kind is RunEventKind.DELTA:
        parts = [_part(type="text-delta", id=text_id, delta=event.text or "")]
    elif event.kind is RunEventKind.FINISH:
        usage = event.usage
        metadata = (
            {
                "usage": {
                    "promptTokens": usage.prompt_tokens,
                    "completionTokens": usage.completion_tokens,
                }
            }
            if usage
            else {}
        )
        parts = [
            _part(type="text-end", id=text_id),
            _part(type="finish-step"),
            _part(
                type="finish",
                finishReason=(event.finish_reason or FinishReason.STOP).value,
                messageMetadata=metadata,
            ),
        ]
    elif event.kind is RunEventKind.ERROR:
        parts = [
            _part(type="text-end", id=text_id),
            _part(type="error", errorText=event.error_message or "The reply failed"),
            _part(type="finish", finishReason=FinishReason.ERROR.value),
        ]
    else:  # cancelled
        parts = [_part(type="text-end", id=text_id), _part(type="finish-step"), _part(type="abort")]
    framed = [frame(p) for p in parts[:-1]]
    framed.append(frame(parts[-1], event_id=event.id))
    if event.is_terminal:
        framed.append(_DONE)
    return b"".join(framed)


async def ui_stream(events: AsyncIterator[RunEvent]) -> AsyncIterator[bytes]:
    """The response body: frames as events come, a ping comment in quiet spells.
    A client that goes away closes this generator; the run goes on."""
    async for event in with_pings(events):
        yield PING if event is None else ui_frames(event)
