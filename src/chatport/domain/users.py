"""Users, roles and sessions, and the rules on names and passwords."""

from __future__ import annotations

import enum
import hashlib
import re
from datetime import datetime, timedelta

import msgspec

from chatport.domain.errors import FieldProblem, InvalidInput

USERNAME_MIN, USERNAME_MAX = 3, 50
PASSWORD_MIN, PASSWORD_MAX = 8, 100
SESSION_LIFETIME = timedelta(days=30)
# A session's last_seen_at is refreshed at most this often, so reads stay reads.
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)

_USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]+$")


class Role(enum.StrEnum):
    ADMIN = "admin"
    MEMBER = "member"
    READONLY = "readonly"


class User(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str
    role: Role
    created_at: datetime
    password_hash: str
    email: str | None = None
    name: str | None = None
    disabled_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None


class NewUser(msgspec.Struct, frozen=True, kw_only=True):
    username: str
    password_hash: str
    role: Role
    created_at: datetime
    email: str | None = None
    name: str | None = None


class Session(msgspec.Struct, frozen=True, kw_only=True):
    """A login on one browser. Only the hash of its token is ever stored."""

    token_hash: str
    user_id: int
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime
    ip: str | None = None
    user_agent: str | None = None

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def needs_touch(self, now: datetime) -> bool:
        return now - self.last_seen_at >= SESSION_TOUCH_INTERVAL


def check_username(username: str) -> str:
    """Return the username as stored (trimmed) or raise InvalidInput."""
    name = username.strip()
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        raise InvalidInput(
            "Invalid input",
            (
                FieldProblem(
                    "too_short" if len(name) < USERNAME_MIN else "too_long",
                    f"Username must be {USERNAME_MIN} to {USERNAME_MAX} characters",
                    ("username",),
                ),
            ),
        )
    if not _USERNAME_RE.match(name):
        raise InvalidInput(
            "Invalid input",
            (
                FieldProblem(
                    "invalid_string",
                    "Username may hold letters, digits and _ . @ - only",
                    ("username",),
                ),
            ),
        )
    return name


def check_password(password: str, field: str = "password") -> str:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidInput(
            "Invalid input",
            (
                FieldProblem(
                    "too_short" if len(password) < PASSWORD_MIN else "too_long",
                    f"Password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters",
                    (field,),
                ),
            ),
        )
    return password


class ClientInfo(msgspec.Struct, frozen=True, kw_only=True):
    """Where a request came from, for sessions, rate limits and the audit log."""

    ip: str | None = None
    user_agent: str | None = None


def hash_token(token: str) -> str:
    """The stored form of a session or API token: a 256-bit random token needs no
    salt or slow hash, only one that cannot be reversed."""
    return hashlib.sha256(token.encode()).hexdigest()
