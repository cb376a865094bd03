"""Chats: a user's conversations, with pin, archive, folder and soft delete."""

from __future__ import annotations

import re
from datetime import datetime

import msgspec

from chatport.domain.errors import FieldProblem, InvalidInput

TITLE_MAX = 200
SYSTEM_PROMPT_MAX = 20_000
# A title made from the first message is cut short: the list has room for a line.
AUTO_TITLE_MAX = 80

_SPACES = re.compile(r"\s+")


class Chat(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    user_id: int
    title: str | None
    created_at: datetime
    updated_at: datetime
    folder_id: str | None = None
    memory_disabled: bool = False
    pinned_at: datetime | None = None
    archived_at: datetime | None = None
    deleted_at: datetime | None = None
    # Given to the model before the history; None: no system prompt.
    system_prompt: str | None = None
    # The model id used when a message names none (v1 conversations); None: none chosen.
    model: str | None = None


class ChatStats(msgspec.Struct, frozen=True, kw_only=True):
    """What a chat's messages add to it in a list: how many, and when the last came."""

    message_count: int
    last_message_at: datetime | None


def check_title(title: str | None) -> str | None:
    if title is None:
        return None
    if len(title) > TITLE_MAX:
        raise InvalidInput(
            "Invalid input",
            (
                FieldProblem(
                    "too_long", f"Title must be at most {TITLE_MAX} characters", ("title",)
                ),
            ),
        )
    return title


def check_system_prompt(prompt: str | None) -> str | None:
    if prompt is None or not prompt.strip():
        return None
    if len(prompt) > SYSTEM_PROMPT_MAX:
        raise InvalidInput(
            "Invalid input",
            (
                FieldProblem(
                    "too_long",
                    f"System prompt must be at most {SYSTEM_PROMPT_MAX:,} characters",
                    ("systemPrompt",),
                ),
            ),
        )
    return prompt


def title_from_text(text: str) -> str | None:
    """A first title for a chat: the message's text on one line, trimmed, cut at a word."""
    line = _SPACES.sub(" ", text).strip()
    if not line:
        return None
    if len(line) <= AUTO_TITLE_MAX:
        return line
    cut = line[:AUTO_TITLE_MAX].rsplit(" ", 1)[0] or line[:AUTO_TITLE_MAX]
    return cut.rstrip(" .,;:") + "…"


SEARCH_QUERY_MAX = 200
# Characters of context kept on each side of a hit.
SNIPPET_CONTEXT = 60


class ChatHit(msgspec.Struct, frozen=True, kw_only=True):
    """A chat found by a search, with the text of the message that matched, if any
    (a hit on the title alone has none)."""

    chat: Chat
    matched_text: str | None = None


class SearchResult(msgspec.Struct, frozen=True, kw_only=True):
    chat: Chat
    snippet: str


def search_result(hit: ChatHit, query: str) -> SearchResult:
    """What a user sees of a hit: the matching message around the match, or the
    title when only the title matched."""
    return SearchResult(
        chat=hit.chat, snippet=snippet(hit.matched_text or hit.chat.title or "", query)
    )


def check_search_query(query: str) -> str:
    """The query as searched: spaces folded; empty or too long is refused."""
    folded = _SPACES.sub(" ", query).strip()
    if not folded or len(folded) > SEARCH_QUERY_MAX:
        raise InvalidInput(
            "Invalid input",
            (
                FieldProblem(
                    "invalid_string",
                    f"Search text must be 1 to {SEARCH_QUERY_MAX} characters",
                    ("q",),
                ),
            ),
        )
    return folded


def snippet(text: str, query: str, context: int = SNIPPET_CONTEXT) -> str:
    """The part of ``text`` around the first case-insensitive match of ``query``, on
    one line, with an ellipsis where it was cut."""
    line = _SPACES.sub(" ", text).strip()
    at = line.casefold().find(query.casefold())
    if at < 0:
        at = 0
    start = max(0, at - context)
    end = min(len(line), at + len(query) + context)
    # Cut at word boundaries when one is near, so a snippet does not start mid-word.
    if start > 0:
        space = line.find(" ", start, at)
        start = space + 1 if space != -1 else start
    if end < len(line):
        space = line.rfind(" ", at + len(query), end)
        end = space if space != -1 else end
    return ("…" if start > 0 else "") + line[start:end] + ("…" if end < len(line) else "")
