"""What the Postgres repositories share about rows and command results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chatport.domain.users import Role, User

Row = Sequence[Any]


def changed_count(status: str) -> int:
    """Rows touched, from a command status such as ``DELETE 3``."""
    return int(status.rpartition(" ")[2])


def user_from_row(row: Row) -> User:
    user_id, username, email, name, password_hash, role, disabled_at, created_at = row
    return User(
        id=user_id,
        username=username,
        email=email,
        name=name,
        password_hash=password_hash,
        role=Role(role),
        disabled_at=disabled_at,
        created_at=created_at,
    )
