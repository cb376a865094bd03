"""Keyset (cursor) pagination: where the next page of a list starts.

A cursor holds the sort key of the last row a client was given, so the next page
is "the rows after this key" rather than "skip n rows": inserts and deletes
between two page reads never make a row be skipped or shown twice.

On the wire a cursor is opaque: base64url (no padding) of a small JSON array whose
first element tags the kind of cursor. Decoding refuses anything else with an
``InvalidInput`` about ``cursor``; a cursor says nothing about who may read what
(the queries always filter by owner), so a forged one can only move the start.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Annotated, TypeVar

import msgspec

from chatport.domain.chats import Chat
from chatport.domain.errors import FieldProblem, InvalidInput
from chatport.domain.messages import Message

PER_PAGE_DEFAULT = 20
PER_PAGE_MAX = 100

# Far more than any real cursor needs: bounds the work spent on a bad one.
CURSOR_MAX = 512

_Moment = Annotated[datetime, msgspec.Meta(tz=True)]
_Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")

_C = TypeVar("_C", "ChatCursor", "MessageCursor")


class ChatCursor(msgspec.Struct, frozen=True, array_like=True, forbid_unknown_fields=True, tag="c"):
    """After this chat in the chat list, which is ordered by ``pinned_at`` desc
    (unpinned last), then ``updated_at`` desc, then ``id`` desc."""

    pinned_at: _Moment | None
    updated_at: _Moment
    id: _Id

    @classmethod
    def after(cls, chat: Chat) -> ChatCursor:
        return cls(pinned_at=chat.pinned_at, updated_at=chat.updated_at, id=chat.id)

    def encode(self) -> str:
        return _encode(self)

    @classmethod
    def decode(cls, text: str) -> ChatCursor:
        return _decode(text, ChatCursor)


class MessageCursor(
    msgspec.Struct, frozen=True, array_like=True, forbid_unknown_fields=True, tag="m"
):
    """After this message in a chat's messages, ordered by ``created_at``, then ``id``."""

    created_at: _Moment
    id: _Id

    @classmethod
    def after(cls, message: Message) -> MessageCursor:
        return cls(created_at=message.created_at, id=message.id)

    def encode(self) -> str:
        return _encode(self)

    @classmethod
    def decode(cls, text: str) -> MessageCursor:
        return _decode(text, MessageCursor)


_encoder = msgspec.json.Encoder()


def _encode(cursor: ChatCursor | MessageCursor) -> str:
    return base64.urlsafe_b64encode(_encoder.encode(cursor)).rstrip(b"=").decode("ascii")


def _decode(text: str, kind: type[_C]) -> _C:
    if len(text) > CURSOR_MAX or not _BASE64URL.fullmatch(text):
        raise _invalid()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return msgspec.json.decode(raw, type=kind)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        # msgspec.ValidationError is a DecodeError: a wrong shape, kind or value.
        raise _invalid() from exc


def _invalid() -> InvalidInput:
    return InvalidInput(
        "Invalid input",
        (FieldProblem("invalid_cursor", "Not a cursor this list gave out", ("cursor",)),),
    )
