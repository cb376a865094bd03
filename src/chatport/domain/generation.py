"""Generations: the prompt sent to a model, the events a model streams back, the
events a generation run publishes, and the rules that shape the prompt."""

from __future__ import annotations

import enum
from collections.abc import Sequence

import msgspec

from chatport.domain.errors import DomainError
from chatport.domain.messages import MessageRole, Usage

# ---------------------------------------------------------------- the prompt


class ImagePart(msgspec.Struct, frozen=True, kw_only=True):
    """An image a turn shows the model (models with vision only)."""

    mime_type: str  # one of VISION_TYPES
    data: str  # base64, without a data: prefix


# What every vision API takes; other images are named in the text instead.
VISION_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


class ChatTurn(msgspec.Struct, frozen=True, kw_only=True):
    role: MessageRole
    content: str
    images: tuple[ImagePart, ...] = ()


class CompletionRequest(msgspec.Struct, frozen=True, kw_only=True):
    """What an LLM client is asked: a model, a system prompt and the turns in order."""

    model: str
    turns: tuple[ChatTurn, ...]
    system: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None


# A rough, provider-neutral token estimate: English runs near four characters a token.
CHARS_PER_TOKEN = 4
# Room kept for the reply when the history is cut to the context window.
REPLY_RESERVE_TOKENS = 1024
DEFAULT_CONTEXT_WINDOW = 8192


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


def fit_to_context(
    system: str | None, turns: Sequence[ChatTurn], context_window: int | None
) -> tuple[ChatTurn, ...]:
    """The newest turns that fit the window with the system prompt and room for the
    reply; the oldest go first. The last turn is always kept, even if alone it is
    too long (the provider then says so)."""
    budget = (context_window or DEFAULT_CONTEXT_WINDOW) - REPLY_RESERVE_TOKENS
    budget -= estimate_tokens(system) if system else 0
    kept: list[ChatTurn] = []
    for turn in reversed(turns):
        cost = estimate_tokens(turn.content)
        if kept and cost > budget:
            break
        kept.append(turn)
        budget -= cost
    kept.reverse()
    # A reply must answer someone: never start the history with the assistant.
    while len(kept) > 1 and kept[0].role is MessageRole.ASSISTANT:
        kept.pop(0)
    return tuple(kept)


# ------------------------------------------------- what a model streams back


class TextDelta(msgspec.Struct, frozen=True, tag="text"):
    text: str


class UsageReport(msgspec.Struct, frozen=True, tag="usage"):
    prompt_tokens: int
    completion_tokens: int


class FinishReason(enum.StrEnum):
    STOP = "stop"
    LENGTH = "length"
    CONTENT_FILTER = "content-filter"
    TOOL_CALLS = "tool-calls"
    ERROR = "error"
    OTHER = "other"


class Finished(msgspec.Struct, frozen=True, tag="finish"):
    reason: FinishReason


LLMEvent = TextDelta | UsageReport | Finished


# ---------------------------------------------------- what can go wrong there


class ProviderError(DomainError):
    """The provider failed. ``code`` is stable for clients; ``status`` is the
    provider's HTTP status when there was one."""

    code = "provider_error"

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ProviderAuthFailed(ProviderError):
    code = "provider_auth_failed"


class ProviderRateLimited(ProviderError):
    code = "provider_rate_limited"

    def __init__(
        self, message: str, status: int | None = 429, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


class ModelNotFound(ProviderError):
    code = "model_not_found"


class ContextTooLong(ProviderError):
    code = "context_too_long"


class ProviderTimeout(ProviderError):
    code = "provider_timeout"


class ProviderUnavailable(ProviderError):
    code = "provider_unavailable"


class MalformedStream(ProviderError):
    code = "malformed_stream"


class ProviderRejected(ProviderError):
    """Any other refusal of the request (a 4xx the other kinds do not cover)."""

    code = "provider_rejected"


# ------------------------------------------- what a generation run publishes


class RunEventKind(enum.StrEnum):
    START = "start"
    DELTA = "delta"
    FINISH = "finish"
    ERROR = "error"
    CANCELLED = "cancelled"


TERMINAL_KINDS = frozenset({RunEventKind.FINISH, RunEventKind.ERROR, RunEventKind.CANCELLED})


class RunEvent(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One event of a run on the stream bus; every surface renders it its own way.

    ``id`` counts from 1 within a run, so a client that saw ``n`` resumes after it.
    """

    id: int
    kind: RunEventKind
    message_id: str
    model: str | None = None  # start
    text: str | None = None  # delta
    finish_reason: FinishReason | None = None  # finish
    usage: Usage | None = None  # finish
    error_code: str | None = None  # error
    error_message: str | None = None  # error

    @property
    def is_terminal(self) -> bool:
        return self.kind in TERMINAL_KINDS
