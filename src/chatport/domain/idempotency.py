"""Idempotency-Key on the v1 API: the first answer to (user, key) is kept and
replayed; another request under the same key is refused."""

from __future__ import annotations

import enum
import hashlib

import msgspec

KEY_MAX = 255
RETENTION_SECONDS = 24 * 60 * 60
# A first request that has not answered in this long is taken for dead: its key
# may be used again.
IN_FLIGHT_SECONDS = 5 * 60


class StoredResponse(msgspec.Struct, frozen=True, kw_only=True):
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class ClaimOutcome(enum.StrEnum):
    CLAIMED = "claimed"  # first use: run the request, then complete (or release)
    IN_FLIGHT = "in_flight"  # the first request runs still: 409
    MISMATCH = "mismatch"  # the key was used for another request: 422
    REPLAY = "replay"  # answer with the stored response


class Claim(msgspec.Struct, frozen=True, kw_only=True):
    outcome: ClaimOutcome
    response: StoredResponse | None = None  # with REPLAY


def check_key(key: str) -> str | None:
    """The key when it is 1 to 255 printable ASCII characters, else None."""
    if not 1 <= len(key) <= KEY_MAX or not all(32 < ord(c) < 127 for c in key):
        return None
    return key


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same" under one key."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), b"\0", path.encode(), b"\0", body):
        digest.update(part)
    return digest.hexdigest()
