"""Reading the web API's UI message streams in tests."""

from __future__ import annotations

import json
from typing import Any


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
