"""The built-in demo model: answers without a network, the same way every time."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from chatport.domain.generation import (
    CompletionRequest,
    Finished,
    FinishReason,
    LLMEvent,
    TextDelta,
    UsageReport,
    estimate_tokens,
)
from chatport.domain.messages import MessageRole
from chatport.domain.providers import RemoteModel

ECHO_MODEL = RemoteModel(model_id="echo", display_name="Echo (demo, offline)", context_window=8192)
# Splits before each word that follows a space, so every piece keeps its spaces.
_WORDS = re.compile(r"(?<=\s)(?=\S)")


def echo_reply(request: CompletionRequest) -> str:
    """What the echo model answers: the last user message, quoted back."""
    said = next(
        (turn.content for turn in reversed(request.turns) if turn.role is MessageRole.USER), ""
    )
    return f"You said: {said}"


class EchoClient:
    """``LLMClient`` that streams ``You said: <last user message>`` word by word,
    ``delay`` seconds apart, then an estimated usage and ``stop``. Any model name
    is accepted."""

    def __init__(self, delay: float = 0.02) -> None:
        self._delay = delay

    @property
    def is_closed(self) -> bool:
        return False

    async def aclose(self) -> None:
        return None

    async def aclose_when_idle(self) -> None:
        return None

    async def list_models(self) -> list[RemoteModel]:
        return [ECHO_MODEL]

    async def stream_chat(self, request: CompletionRequest) -> AsyncIterator[LLMEvent]:
        reply = echo_reply(request)
        for index, word in enumerate(_WORDS.split(reply)):
            if index:
                await asyncio.sleep(self._delay)
            yield TextDelta(word)
        prompt = sum(estimate_tokens(turn.content) for turn in request.turns)
        prompt += estimate_tokens(request.system) if request.system else 0
        yield UsageReport(prompt, estimate_tokens(reply))
        yield Finished(FinishReason.STOP)
