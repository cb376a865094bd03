"""Provider API keys at rest: AES-256-GCM, with the key from the settings or a key
file made once under the data dir."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = "v1"
_NONCE_BYTES = 12
KEY_FILE_NAME = "secret.key"


class AesGcmSecretBox:
    """``SecretBox`` with AES-256-GCM: ``v1.<base64url(nonce | ciphertext+tag)>``.

    A random 96-bit nonce per seal; at the volume of provider keys (a few writes a
    day) collisions are out of reach. The version prefix lets a later scheme (key
    rotation) read old rows.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    @classmethod
    def from_passphrase(cls, secret: str) -> AesGcmSecretBox:
        """A box keyed by ``CHATPORT_SECRET_KEY``: any text, hashed to 32 bytes. It
        must be long and random (``python -c 'import secrets;
        print(secrets.token_urlsafe(32))'``); hashing adds no strength to a weak one."""
        return cls(hashlib.sha256(secret.encode()).digest())

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), _VERSION.encode())
        return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, ciphertext: str) -> str:
        version, _, body = ciphertext.partition(".")
        if version != _VERSION or not body:
            raise ValueError("Not a sealed secret of this version")
        try:
            raw = base64.urlsafe_b64decode(body)
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], version.encode())
        except (InvalidTag, ValueError) as exc:
            raise ValueError("The secret was altered or sealed under another key") from exc
        return plain.decode()


def load_or_create_key(data_dir: Path) -> bytes:
    """The key in ``<data_dir>/secret.key``, made (owner-readable only) on first use.

    Losing this file makes every stored provider key unreadable: back it up with
    the database, or set ``CHATPORT_SECRET_KEY`` instead.
    """
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        encoded = base64.urlsafe_b64encode(secrets.token_bytes(32))
        try:
            # O_EXCL: two processes starting at once must not write two keys.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as file:
                file.write(encoded)
    key = base64.urlsafe_b64decode(path.read_bytes().strip())
    if len(key) != 32:
        raise ValueError(f"{path} does not hold a 32-byte key")
    return key
