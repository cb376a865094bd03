"""Runs rendered as the v1 API's server-sent events: ``message.started``,
``message.delta``, then one final ``message.completed``, ``message.failed`` or
``message.cancelled``; every frame has an ``id:`` to resume after."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgspec

from chatport.domain.generation import RunEvent, RunEventKind
from chatport.domain.messages import Message, MessageStatus
from chatport.http.sse import PING, frame, with_pings
from chatport.http.v1.shapes import message_out
from chatport.services.generations import Followed
from chatport.services.runs import INTERRUPTED

_encode = msgspec.json.Encoder().encode
# A stored failure keeps its words, not the code its run had.
_STORED_FAILURE = "GENERATION_FAILED"

LoadReply = Callable[[str], Awaitable[Message | None]]


def _frame(event_id: int, name: str, **data: Any) -> bytes:
    return frame(_encode(data), event_id=event_id, event=name)


def _failed(event_id: int, message_id: str, code: str, words: str | None) -> bytes:
    error = {"code": code, "message": words or "The reply failed"}
    return _frame(event_id, "message.failed", message_id=message_id, error=error)


def final_frame(reply: Message, event_id: int) -> bytes | None:
    """The final event of a reply that has ended, from what is stored."""
    if reply.status is MessageStatus.COMPLETE:
        return _frame(event_id, "message.completed", message=message_out(reply))
    if reply.status is MessageStatus.CANCELLED:
        return _frame(event_id, "message.cancelled", message=message_out(reply))
    if reply.status is MessageStatus.FAILED:
        code = "INTERRUPTED" if reply.error == INTERRUPTED else _STORED_FAILURE
        return _failed(event_id, reply.id, code, reply.error)
    return None


async def _live_frame(event: RunEvent, load: LoadReply) -> bytes | None:
    if event.kind is RunEventKind.START:
        return _frame(event.id, "message.started", message_id=event.message_id, model=event.model)
    if event.kind is RunEventKind.DELTA:
        return _frame(event.id, "message.delta", message_id=event.message_id, delta=event.text)
    if event.kind is RunEventKind.ERROR:
        code = (event.error_code or "provider_error").upper()
        return _failed(event.id, event.message_id, code, event.error_message)
    # Completed and cancelled carry the whole reply, stored before it was announced.
    stored = await load(event.message_id)
    return None if stored is None else final_frame(stored, event.id)


async def v1_stream(followed: Followed, after: int, load: LoadReply) -> AsyncIterator[bytes]:
    """The response body. A reply that has ended sends its final event alone, unless
    the client resumes after an event of its run (then the rest of the run); when the
    run's events are gone, that final event is numbered just past what the client saw."""
    if followed.events is None:
        last = final_frame(followed.reply, after + 1)
        if last is not None:
            yield last
        return
    only_final = after == 0 and followed.reply.status is not MessageStatus.STREAMING
    async for event in with_pings(followed.events):
        if event is None:
            yield PING
            continue
        if only_final and not event.is_terminal:
            continue
        rendered = await _live_frame(event, load)
        if rendered is not None:
            yield rendered
