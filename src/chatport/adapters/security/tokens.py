"""Opaque tokens from the operating system's CSPRNG."""

from __future__ import annotations

import secrets

_TOKEN_BYTES = 32  # 256 bits


class SecretsTokenGenerator:
    """``TokenGenerator``: 32 random bytes from ``secrets``, base64url without padding
    (43 characters)."""

    def new_token(self) -> str:
        return secrets.token_urlsafe(_TOKEN_BYTES)
