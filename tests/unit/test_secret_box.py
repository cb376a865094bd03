"""Provider keys at rest: sealed with AES-GCM, never readable without the key."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from chatport.adapters.security.secrets import AesGcmSecretBox, load_or_create_key


def test_seal_then_open_round_trips_and_hides_the_key() -> None:
    box = AesGcmSecretBox.from_passphrase("a long random secret for tests")
    sealed = box.seal("sk-live-123456")
    assert "sk-live" not in sealed
    assert sealed != box.seal("sk-live-123456")  # a fresh nonce every time
    assert box.open(sealed) == "sk-live-123456"


def test_another_key_or_a_changed_byte_cannot_open() -> None:
    box = AesGcmSecretBox.from_passphrase("one")
    sealed = box.seal("sk-secret")
    with pytest.raises(ValueError, match="another key"):
        AesGcmSecretBox.from_passphrase("two").open(sealed)
    raw = bytearray(base64.urlsafe_b64decode(sealed.partition(".")[2]))
    raw[14] ^= 1  # one bit of the ciphertext
    tampered = "v1." + base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(ValueError):
        box.open(tampered)
    with pytest.raises(ValueError):
        box.open("plain-text-key")


def test_the_key_file_is_made_once_and_private(tmp_path: Path) -> None:
    first = load_or_create_key(tmp_path / "data")
    again = load_or_create_key(tmp_path / "data")
    assert first == again and len(first) == 32
    mode = (tmp_path / "data" / "secret.key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    sealed = AesGcmSecretBox(first).seal("k")
    assert AesGcmSecretBox(again).open(sealed) == "k"
