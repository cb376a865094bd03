"""What the core needs to read documents: the text of an attached PDF."""

from __future__ import annotations

from typing import Protocol


class DocumentReader(Protocol):
    """Contract:
    - ``pdf_text`` is the text of a PDF's pages in order, pages separated by a
      blank line, at most ``max_chars`` characters (reading stops at that point,
      so a long document costs no more than its first pages).
    - A PDF that cannot be read (broken, encrypted, not a PDF) raises
      ``InvalidInput("The PDF could not be read")``; one without text gives "".
    - The parsing runs off the event loop.
    """

    async def pdf_text(self, data: bytes, *, max_chars: int) -> str: ...
