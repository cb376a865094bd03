"""An uploaded file as stored: who owns it, what it is, and where its bytes are."""

from __future__ import annotations

from datetime import datetime

import msgspec


class StoredFile(msgspec.Struct, frozen=True, kw_only=True):
    id: str  # a UUIDv7
    user_id: int
    filename: str  # cleaned, for display and downloads only: never a path
    size: int
    mime_type: str  # sniffed from the bytes
    sha256: str  # lowercase hex
    storage_key: str  # the blob's key in the BlobStore
    created_at: datetime


# Shown in the browser rather than downloaded: raster images and PDF, which cannot
# run script in the page. SVG, HTML, XML and text always download.
INLINE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "application/pdf"}
)
