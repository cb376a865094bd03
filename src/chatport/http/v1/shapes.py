"""The v1 API's message shape, shared by its JSON responses and its stream."""

from __future__ import annotations

import msgspec

from chatport.domain.messages import Message
from chatport.http.v1.envelope import iso


class UsageOut(msgspec.Struct, frozen=True, kw_only=True):
    prompt_tokens: int
    completion_tokens: int


class MessageOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    conversation_id: str
    role: str
    content: str
    model: str | None
    status: str
    error: str | None
    usage: UsageOut | None
    created_at: str | None


def message_out(message: Message) -> MessageOut:
    usage = message.usage
    return MessageOut(
        id=message.id,
        conversation_id=message.chat_id,
        role=message.role.value,
        content=message.content,
        model=message.model,
        status=message.status.value,
        error=message.error,
        usage=UsageOut(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens)
        if usage
        else None,
        created_at=iso(message.created_at),
    )
