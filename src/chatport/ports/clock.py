"""Time and identifiers, behind ports so that tests can hold them still."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current UTC time, aware, to the millisecond (both databases keep that)."""
        ...

    def timestamp(self) -> float:
        """Seconds since the epoch, for rate limits."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A UUIDv7 in its canonical text form: unique and ordered by creation time."""
        ...
