"""Messages of a chat, ready for generations: a status, an error and token usage."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import msgspec

from chatport.domain.errors import FieldProblem, InvalidInput

CONTENT_MAX = 100_000


class MessageRole(enum.StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"


class MessageStatus(enum.StrEnum):
    COMPLETE = "complete"
    STREAMING = "streaming"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Usage(msgspec.Struct, frozen=True, kw_only=True):
    prompt_tokens: int
    completion_tokens: int


class Message(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    chat_id: str
    role: MessageRole
    content: str
    created_at: datetime
    model: str | None = None
    file_ids: tuple[str, ...] | None = None
    metadata: dict[str, Any] | None = None
    status: MessageStatus = MessageStatus.COMPLETE
    error: str | None = None
    usage: Usage | None = None
    # Last write of a reply being generated: its run's heartbeat. None when never
    # changed after creation.
    updated_at: datetime | None = None


def check_content(content: str) -> str:
    if len(content) > CONTENT_MAX:
        raise InvalidInput(
            "Invalid input",
            (
                FieldProblem(
                    "too_long",
                    f"Content must be at most {CONTENT_MAX:,} characters",
                    ("content",),
                ),
            ),
        )
    return content


MESSAGE_ID_MAX = 64
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def check_message_id(value: str, path: tuple[str | int, ...] = ("id",)) -> str:
    """A client's id for its message (chat UIs make their own: UUIDs, nanoids):
    1 to 64 letters, digits, ``_`` or ``-``."""
    if not 1 <= len(value) <= MESSAGE_ID_MAX or not set(value) <= _ID_CHARS:
        raise InvalidInput(
            "Invalid input",
            (
                FieldProblem(
                    "invalid_string",
                    f"A message id is 1 to {MESSAGE_ID_MAX} letters, digits, '_' or '-'",
                    path,
                ),
            ),
        )
    return value
