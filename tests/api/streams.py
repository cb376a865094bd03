"""Reading the web API's UI message streams in tests."""

from __future__ import annotations

import json
from typing import Any, NamedTuple


def ui_parts(body: str) -> list[dict[str, Any]]:
    """The JSON parts of a UI message stream, in order; ``[DONE]`` as ``{"type":
    "[DONE]"}``; ping comments skipped."""
    parts: list[dict[str, Any]] = []
    for block in body.split("\n\n"):
        for line in block.splitlines():
            if not line.startswith("data: "):
                continue
            data = line.removeprefix("data: ")
            parts.append({"type": "[DONE]"} if data == "[DONE]" else json.loads(data))
    return parts


def event_ids(body: str) -> list[int]:
    return [int(line[4:]) for line in body.splitlines() if line.startswith("id: ")]


def reply_text(parts: list[dict[str, Any]]) -> str:
    return "".join(p["delta"] for p in parts if p["type"] == "text-delta")


class V1Event(NamedTuple):
    id: int
    event: str
    data: dict[str, Any]


def v1_events(body: str) -> list[V1Event]:
    """The frames of a v1 stream, in order; ping comments skipped. Every frame must
    carry an id and an event name."""
    events: list[V1Event] = []
    for block in body.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "data" not in fields:
            continue
        events.append(V1Event(int(fields["id"]), fields["event"], json.loads(fields["data"])))
    return events


def v1_text(events: list[V1Event]) -> str:
    return "".join(e.data["delta"] for e in events if e.event == "message.delta")
