"""The shape of blob keys, shared by every BlobStore adapter.

A key is ``<namespace>/<sha256 hex>`` and nothing else: checked before any use, it
cannot name a path outside a store (no ``..``, no third part, no other alphabet).
"""

from __future__ import annotations

import re

from chatport.domain.errors import FieldProblem, InvalidInput

_NAMESPACE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_KEY = re.compile(r"([A-Za-z0-9_-]{1,64})/([0-9a-f]{64})")


def check_namespace(namespace: str) -> str:
    if not _NAMESPACE.fullmatch(namespace):
        raise InvalidInput(
            "Invalid blob namespace",
            (FieldProblem("invalid", "1 to 64 of A-Z, a-z, 0-9, _ and -", ("namespace",)),),
        )
    return namespace


def split_key(key: str) -> tuple[str, str]:
    """(namespace, sha256) of a well-formed key; ``InvalidInput`` for any other."""
    match = _KEY.fullmatch(key)
    if match is None:
        raise InvalidInput(
            "Invalid blob key",
            (FieldProblem("invalid", "<namespace>/<sha256 hex>", ("key",)),),
        )
    return match[1], match[2]


def make_key(namespace: str, sha256: str) -> str:
    return f"{namespace}/{sha256}"


def check_range(start: int, end: int | None) -> None:
    if start < 0 or (end is not None and end < start):
        raise InvalidInput(
            "Invalid byte range",
            (FieldProblem("invalid", "0 <= start <= end", ("range",)),),
        )
