"""Cursors: an opaque, URL-safe round trip, and a clear refusal of anything else."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chatport.domain.chats import Chat
from chatport.domain.errors import FieldProblem, InvalidInput
from chatport.domain.messages import Message, MessageRole
from chatport.domain.paging import (
    CURSOR_MAX,
    PER_PAGE_DEFAULT,
    PER_PAGE_MAX,
    ChatCursor,
    MessageCursor,
)

_AT = datetime(2026, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)
_CHAT_ID = "0190c6a2-7b1e-7cc3-9f41-2a5b6c7d8e9f"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _refused(text: str, kind: type[ChatCursor] | type[MessageCursor] = ChatCursor) -> None:
    with pytest.raises(InvalidInput) as caught:
        kind.decode(text)
    assert [problem.path for problem in caught.value.problems] == [("cursor",)]
    assert all(isinstance(problem, FieldProblem) for problem in caught.value.problems)


def test_page_sizes() -> None:
    assert (PER_PAGE_DEFAULT, PER_PAGE_MAX) == (20, 100)


@pytest.mark.parametrize("pinned_at", [None, _AT - timedelta(days=3)])
def test_a_chat_cursor_round_trips(pinned_at: datetime | None) -> None:
    cursor = ChatCursor(pinned_at=pinned_at, updated_at=_AT, id=_CHAT_ID)

    text = cursor.encode()

    assert ChatCursor.decode(text) == cursor
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_a_message_cursor_round_trips_with_a_client_id() -> None:
    cursor = MessageCursor(created_at=_AT, id="msg_Client-42")

    assert MessageCursor.decode(cursor.encode()) == cursor


def test_cursors_are_made_from_the_last_row() -> None:
    chat = Chat(
        id=_CHAT_ID,
        user_id=7,
        title="t",
        created_at=_AT,
        updated_at=_AT + timedelta(seconds=1),
        pinned_at=_AT,
    )
    message = Message(id="m1", chat_id=_CHAT_ID, role=MessageRole.USER, content="", created_at=_AT)

    assert ChatCursor.after(chat) == ChatCursor(
        pinned_at=_AT, updated_at=_AT + timedelta(seconds=1), id=_CHAT_ID
    )
    assert MessageCursor.after(message) == MessageCursor(created_at=_AT, id="m1")


def test_an_offset_other_than_utc_keeps_the_instant() -> None:
    at = datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    cursor = MessageCursor(created_at=at, id="m1")

    assert MessageCursor.decode(cursor.encode()).created_at == at


def test_one_kind_of_cursor_is_not_the_other() -> None:
    chat = ChatCursor(pinned_at=None, updated_at=_AT, id=_CHAT_ID).encode()
    message = MessageCursor(created_at=_AT, id="m1").encode()

    _refused(message, ChatCursor)
    _refused(chat, MessageCursor)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not a cursor",
        "abc=",
        "a",  # not a length base64 can have
        "é" * 8,
        "A" * (CURSOR_MAX + 1),
        _b64(b"\xff\xfe garbage"),
        _b64(b"{}"),
        _b64(b"null"),
        _b64(b'["c"]'),
        _b64(b'["c",null,"2026-01-01T00:00:00Z"]'),
        _b64(b'["x",null,"2026-01-01T00:00:00Z","id"]'),
        _b64(b'["c",null,"2026-01-01T00:00:00Z","id","extra"]'),
        _b64(b'["c",null,"yesterday","id"]'),
        _b64(b'["c",null,"2026-01-01T00:00:00","id"]'),  # no time zone
        _b64(b'["c",null,1767225600,"id"]'),
        _b64(b'["c",null,"2026-01-01T00:00:00Z",""]'),
        _b64(b'["c",null,"2026-01-01T00:00:00Z",42]'),
        _b64(b'["c",null,"2026-01-01T00:00:00Z","' + b"x" * 65 + b'"]'),
        _b64(b'["c","soon","2026-01-01T00:00:00Z","id"]'),
    ],
)
def test_a_malformed_chat_cursor_is_refused(text: str) -> None:
    _refused(text)


@pytest.mark.parametrize(
    "text",
    [
        _b64(b'["m","2026-01-01T00:00:00Z"]'),
        _b64(b'["m",null,"id"]'),
        _b64(b'{"created_at":"2026-01-01T00:00:00Z","id":"m1"}'),
    ],
)
def test_a_malformed_message_cursor_is_refused(text: str) -> None:
    _refused(text, MessageCursor)


def test_a_tampered_cursor_is_refused() -> None:
    text = ChatCursor(pinned_at=None, updated_at=_AT, id=_CHAT_ID).encode()

    _refused(text[:-5])
    _refused(text + "A")
