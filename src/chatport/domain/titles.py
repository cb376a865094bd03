"""Generated chat titles: what the model is asked, and what is kept of its answer."""

from __future__ import annotations

import re

from chatport.domain.chats import AUTO_TITLE_MAX

TITLE_PROMPT = (
    "Write a title of at most six words for this conversation. Answer with the title "
    "only, no quotes, no final period.\n\nUser: {text}\n\nAssistant: {reply}"
)

_SPACES = re.compile(r"\s+")
_QUOTES = "\"'`\u201c\u201d\u2018\u2019«»*#"


def clean_generated_title(text: str) -> str | None:
    """One line, without quotes, markdown marks, a "Title:" label or a final
    period, cut to the list's width; None when nothing usable is left."""
    line = _SPACES.sub(" ", text.strip().splitlines()[0] if text.strip() else "").strip()
    if line.lower().startswith("title:"):
        line = line[6:].strip()
    line = line.strip(_QUOTES).strip().rstrip(".").strip()
    if not line:
        return None
    return line[:AUTO_TITLE_MAX].rstrip()
