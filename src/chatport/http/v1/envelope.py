"""The v1 envelope: ``{"data": ..., "meta": {...}}`` and ``{"error": {code,
message, details}}``; field names snake_case, times ISO 8601 UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import msgspec

T = TypeVar("T")


class Envelope(msgspec.Struct, Generic[T], frozen=True, kw_only=True, omit_defaults=True):
    data: T
    meta: dict[str, Any] | None = None


class ErrorDetail(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorEnvelope(msgspec.Struct, frozen=True, kw_only=True):
    error: ErrorDetail


def iso(moment: datetime | None) -> str | None:
    """UTC, to the millisecond, with a Z: what every v1 time looks like."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
