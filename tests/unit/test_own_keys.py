"""Which of a user's own keys answers a model id no catalogue lists."""

from __future__ import annotations

import pytest

from chatport.domain.providers import ProviderKind, own_key_for

ALL = {ProviderKind.OPENAI, ProviderKind.ANTHROPIC, ProviderKind.OPENROUTER}


@pytest.mark.parametrize(
    ("model_id", "kinds", "expected"),
    [
        ("openai/gpt-4o", ALL, ProviderKind.OPENROUTER),
        ("claude-3-5-haiku-latest", ALL, ProviderKind.ANTHROPIC),
        ("gpt-4o-mini", ALL, ProviderKind.OPENAI),
        ("o3-mini", ALL, ProviderKind.OPENAI),
        # A single key is the user's choice, whatever the id looks like.
        ("claude-3-opus", {ProviderKind.OPENROUTER}, ProviderKind.OPENROUTER),
        ("gpt-4o", {ProviderKind.ANTHROPIC}, ProviderKind.ANTHROPIC),
        # Two keys, neither fits: no guess.
        ("claude-3-opus", {ProviderKind.OPENAI, ProviderKind.OPENROUTER}, None),
        ("gpt-4o", set(), None),
    ],
)
def test_the_key_that_fits_the_id(
    model_id: str, kinds: set[ProviderKind], expected: ProviderKind | None
) -> None:
    assert own_key_for(model_id, kinds) == expected
