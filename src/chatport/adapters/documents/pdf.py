"""The text of PDFs, with pypdf (pure Python, so no native parser to keep patched)."""

from __future__ import annotations

import asyncio
import io

from pypdf import PasswordType, PdfReader
from pypdf.errors import FileNotDecryptedError

from chatport.domain.errors import FieldProblem, InvalidInput

_UNREADABLE = "The PDF could not be read"
_PAGE_BREAK = "\n\n"


class PypdfDocumentReader:
    """``DocumentReader`` with pypdf: parsed in a worker thread, page by page,
    stopping at the first page that reaches ``max_chars``."""

    async def pdf_text(self, data: bytes, *, max_chars: int) -> str:
        return await asyncio.to_thread(_pdf_text, data, max_chars)


def _pdf_text(data: bytes, max_chars: int) -> str:
    try:
        return _read(data, max_chars)
    # A hostile or damaged file can trip pypdf anywhere (its own errors, but also
    # KeyError, zlib.error, RecursionError...): any of them means "unreadable".
    except Exception as e:
        raise InvalidInput(
            _UNREADABLE, (FieldProblem("unreadable_pdf", _UNREADABLE, ("file",)),)
        ) from e


def _read(data: bytes, max_chars: int) -> str:
    reader = PdfReader(io.BytesIO(data))
    # Many PDFs are encrypted with an empty user password only to set permissions:
    # those open; one that needs a real password does not.
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise FileNotDecryptedError("the PDF needs a password")
    parts: list[str] = []
    count = 0
    for page in reader.pages:
        if count >= max_chars:
            break
        text = page.extract_text().strip()
        if text:
            parts.append((_PAGE_BREAK if parts else "") + text)
            count += len(parts[-1])
    return "".join(parts)[:max_chars].strip()
