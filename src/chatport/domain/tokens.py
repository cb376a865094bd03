"""Personal access tokens for the v1 API: ``<id>|<secret>``, only the secret's hash
kept, revocable one by one, with an optional expiry."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

# last_used_at is written at most this often per token: a write per request would
# make every v1 read a write.
LAST_USED_INTERVAL = timedelta(minutes=1)
TOKEN_NAME_MAX = 255


class AccessToken(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    user_id: int
    name: str  # the device name given at login, or the name given at creation
    token_hash: str
    abilities: tuple[str, ...] = ("*",)
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def needs_touch(self, now: datetime) -> bool:
        return self.last_used_at is None or now - self.last_used_at >= LAST_USED_INTERVAL


class NewAccessToken(msgspec.Struct, frozen=True, kw_only=True):
    user_id: int
    name: str
    token_hash: str
    created_at: datetime
    abilities: tuple[str, ...] = ("*",)
    expires_at: datetime | None = None


def split_bearer(value: str) -> tuple[int, str] | None:
    """``<id>|<secret>`` as a token id and its secret; None when malformed."""
    head, sep, secret = value.partition("|")
    if not sep or not secret or not head.isdigit() or len(head) > 18:
        return None
    return int(head), secret
