"""Cutting a streamed body into events: SSE (OpenAI, Anthropic) and NDJSON (Ollama).

Both work on bytes as they come off the socket, so JSON payloads go to msgspec
without a detour through ``str``, and a chunk holding many events costs one split.
"""

from __future__ import annotations

SSEEvent = tuple[bytes, bytes]
"""(event name, data) of one server-sent event; the name is ``b""`` when not given."""


class SSEDecoder:
    """The event-stream format of the HTML standard, fed chunk by chunk.

    ``data:`` lines of one event are joined with ``\\n``; comments (``:``), ``id:``
    and ``retry:`` are ignored; an event is dispatched at the blank line that ends
    it, and a trailing event without one is dropped, as the standard says. Lines
    end with ``\\n`` or ``\\r\\n`` (a lone ``\\r`` is not used by any provider).
    """

    __slots__ = ("_data", "_event", "_rest")

    def __init__(self) -> None:
        self._rest = b""
        self._event = b""
        self._data: bytes | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        lines = (self._rest + chunk if self._rest else chunk).split(b"\n")
        self._rest = lines.pop()
        events: list[SSEEvent] = []
        for raw in lines:
            line = raw[:-1] if raw.endswith(b"\r") else raw
            if not line:
                if self._data is not None:
                    events.append((self._event, self._data))
                self._event = b""
                self._data = None
            elif line.startswith(b"data:"):
                value = line[6:] if line.startswith(b"data: ") else line[5:]
                self._data = value if self._data is None else self._data + b"\n" + value
            elif line.startswith(b"event:"):
                self._event = line[6:].strip()
        return events


class NDJSONDecoder:
    """One JSON document a line; blank lines are skipped."""

    __slots__ = ("_rest",)

    def __init__(self) -> None:
        self._rest = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        lines = (self._rest + chunk if self._rest else chunk).split(b"\n")
        self._rest = lines.pop()
        return [line for line in lines if line.strip()]
