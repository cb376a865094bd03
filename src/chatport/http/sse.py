"""Server-sent events: framing, keep-alive pings, and the response headers.

Each surface renders ``RunEvent``s in its own wire format (``web/stream.py`` the AI
SDK's UI message stream, the v1 surface plain named events); this module holds what
they share.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from chatport.domain.errors import FieldProblem, InvalidInput
from chatport.domain.generation import RunEvent

PING_INTERVAL = 15.0
PING = b": ping\n\n"

SSE_HEADERS = {
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
    "connection": "keep-alive",
}


def frame(data: bytes, *, event_id: int | None = None, event: str | None = None) -> bytes:
    """One SSE frame. ``data`` must hold no newline (JSON encoders emit none)."""
    head = b""
    if event_id is not None:
        head += b"id: %d\n" % event_id
    if event is not None:
        head += b"event: " + event.encode() + b"\n"
    return head + b"data: " + data + b"\n\n"


async def with_pings(
    events: AsyncIterator[RunEvent], interval: float = PING_INTERVAL
) -> AsyncIterator[RunEvent | None]:
    """The events, with a None wherever ``interval`` seconds pass without one, so the
    caller can send a ping comment that keeps proxies from closing the connection."""
    iterator = aiter(events)
    pending: asyncio.Task[RunEvent] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(iterator))
            done, _ = await asyncio.wait({pending}, timeout=interval)
            if not done:
                yield None
                continue
            try:
                event = pending.result()
            except StopAsyncIteration:
                return
            finally:
                pending = None
            yield event
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending
        closer = getattr(iterator, "aclose", None)
        if closer is not None:
            await closer()


def last_event_id(value: str | None) -> int:
    """The event a resuming client saw last (``Last-Event-ID``); 0 for none."""
    if value is None or not value.strip():
        return 0
    try:
        after = int(value.strip())
    except ValueError:
        after = -1
    if after < 0:
        message = "Last-Event-ID must be an event number"
        raise InvalidInput(message, (FieldProblem("invalid", message, ("Last-Event-ID",)),))
    return after
