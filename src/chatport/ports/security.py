"""Security ports: password hashing and opaque tokens."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    """Hashing is slow on purpose; adapters run it off the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when the password matches. With no hash (an unknown user) it spends
        the same time as a wrong password and answers False."""
        ...


class TokenGenerator(Protocol):
    def new_token(self) -> str:
        """A fresh opaque secret with 256 bits of randomness, URL-safe."""
        ...


class SecretBox(Protocol):
    """Authenticated encryption of small secrets (provider API keys) at rest."""

    def seal(self, plaintext: str) -> str:
        """Ciphertext as text, different every time for the same plaintext."""
        ...

    def open(self, ciphertext: str) -> str:
        """The plaintext; raises ``ValueError`` when the ciphertext was tampered with
        or sealed under another key."""
        ...
