"""Which models a synced provider list marks as reading images."""

from __future__ import annotations

import pytest

from chatport.domain.providers import likely_vision


@pytest.mark.parametrize(
    "model_id",
    [
        "gpt-4o-mini",
        "openai/gpt-4.1",
        "claude-3-5-sonnet-latest",
        "claude-sonnet-4-20250514",
        "llava:13b",
        "llama3.2-vision:11b",
        "qwen2.5vl:7b",
        "google/gemini-2.0-flash",
        "gemma3:4b",
    ],
)
def test_vision_families(model_id: str) -> None:
    assert likely_vision(model_id)


@pytest.mark.parametrize(
    "model_id", ["gpt-3.5-turbo", "llama3:8b", "mistral:7b", "text-embedding-3-small", "echo"]
)
def test_text_only_families(model_id: str) -> None:
    assert not likely_vision(model_id)
