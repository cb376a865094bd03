"""The prompt a model gets: history cut from the oldest to fit its window; and the
titles kept from a model's answer."""

from __future__ import annotations

from chatport.domain.generation import (
    CHARS_PER_TOKEN,
    REPLY_RESERVE_TOKENS,
    ChatTurn,
    fit_to_context,
)
from chatport.domain.messages import MessageRole
from chatport.domain.titles import clean_generated_title

USER, ASSISTANT = MessageRole.USER, MessageRole.ASSISTANT


def _turns(count: int, chars: int) -> list[ChatTurn]:
    return [
        ChatTurn(role=USER if n % 2 == 0 else ASSISTANT, content=f"{n:04d}" + "x" * (chars - 4))
        for n in range(count)
    ]


def test_everything_fits_a_large_window() -> None:
    turns = _turns(5, 100)
    assert fit_to_context("Be brief.", turns, 100_000) == tuple(turns)


def test_the_oldest_turns_go_first_and_the_order_is_kept() -> None:
    turns = _turns(21, 400)  # about 100 tokens each
    window = REPLY_RESERVE_TOKENS + 1000
    kept = fit_to_context(None, turns, window)
    assert kept == tuple(turns[-len(kept) :])
    assert 5 <= len(kept) < 21
    assert kept[0].role is USER  # a history never starts with the model's reply
    assert sum(len(t.content) for t in kept) // CHARS_PER_TOKEN <= 1000


def test_the_system_prompt_takes_its_share() -> None:
    turns = _turns(21, 400)
    window = REPLY_RESERVE_TOKENS + 1000
    without = fit_to_context(None, turns, window)
    with_system = fit_to_context("s" * 2000, turns, window)
    assert len(with_system) < len(without)


def test_the_last_turn_stays_even_when_too_long_alone() -> None:
    turns = _turns(3, 100_000)
    assert fit_to_context(None, turns, 4096) == (turns[-1],)


def test_a_generated_title_is_cleaned() -> None:
    assert clean_generated_title('"Trip to Lisbon."') == "Trip to Lisbon"
    assert clean_generated_title("Title: **Budget plan**\nmore text") == "Budget plan"
    assert clean_generated_title("   \n ") is None
    assert len(clean_generated_title("word " * 100) or "") <= 80
