"""What the Postgres repositories share about rows and command results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Row = Sequence[Any]


def changed_count(status: str) -> int:
    """Rows touched, from a command status such as ``DELETE 3``."""
    return int(status.rpartition(" ")[2])
