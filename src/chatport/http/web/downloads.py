"""What a file download says about itself: ``Content-Disposition`` for any name
(RFC 6266, with RFC 8187's UTF-8 form), and which byte range was asked for
(RFC 9110 ``Range``, one range)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

# Bytes a quoted-string may hold as they are; anything else becomes "_" in the
# ASCII fallback, and the exact name travels in filename*.
_FALLBACK_UNSAFE = re.compile(r'[^\x20-\x7e]|["\\%]')
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def content_disposition(filename: str, *, inline: bool) -> str:
    kind = "inline" if inline else "attachment"
    fallback = _FALLBACK_UNSAFE.sub("_", filename) or "file"
    exact = quote(filename, safe="")
    if exact == fallback:
        return f'{kind}; filename="{fallback}"'
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{exact}"


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(Exception):
    """The range lies outside the file (416)."""


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The one range asked for; None for the whole file (no header, a form we do not
    serve such as several ranges, or a range that is the whole file anyway)."""
    if not header:
        return None
    found = _RANGE.fullmatch(header.strip())
    if found is None:
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:  # the last n bytes
        wanted = int(last)
        if wanted == 0:
            raise Unsatisfiable
        start, end = max(0, size - wanted), size - 1
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if last and int(last) < start:
            return None  # invalid: ignored, as RFC 9110 says
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start=start, end=end)
