"""Password hashing (argon2id, off the event loop) and session tokens."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator

import argon2
import pytest

from chatport.adapters.security.passwords import Argon2PasswordHasher
from chatport.adapters.security.tokens import SecretsTokenGenerator

CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@pytest.fixture
def hasher() -> Iterator[Argon2PasswordHasher]:
    hasher = Argon2PasswordHasher(**CHEAP)
    yield hasher
    hasher.close()


async def test_hash_is_argon2id_with_the_given_parameters(hasher: Argon2PasswordHasher) -> None:
    encoded = await hasher.hash("correct horse")

    assert encoded.startswith("$argon2id$v=19$m=8,t=1,p=1$")


async def test_each_hash_has_its_own_salt(hasher: Argon2PasswordHasher) -> None:
    assert await hasher.hash("same") != await hasher.hash("same")


async def test_default_parameters_are_argon2_cffi_defaults() -> None:
    hasher = Argon2PasswordHasher()
    try:
        encoded = await hasher.hash("pw")
    finally:
        hasher.close()

    params = argon2.extract_parameters(encoded)
    assert params.type is argon2.Type.ID
    assert (params.time_cost, params.memory_cost, params.parallelism) >= (3, 65536, 4)


async def test_verify_accepts_the_right_password(hasher: Argon2PasswordHasher) -> None:
    encoded = await hasher.hash("correct horse")

    assert await hasher.verify(encoded, "correct horse") is True


async def test_verify_refuses_a_wrong_password(hasher: Argon2PasswordHasher) -> None:
    encoded = await hasher.hash("correct horse")

    assert await hasher.verify(encoded, "Correct horse") is False


async def test_verify_reads_hashes_made_with_other_parameters(
    hasher: Argon2PasswordHasher,
) -> None:
    other = Argon2PasswordHasher(time_cost=2, memory_cost=16, parallelism=2)
    try:
        encoded = await other.hash("pw")
    finally:
        other.close()

    assert await hasher.verify(encoded, "pw") is True


async def test_verify_without_a_hash_is_false(hasher: Argon2PasswordHasher) -> None:
    assert await hasher.verify(None, "anything") is False
    assert await hasher.verify(None, "") is False


@pytest.mark.parametrize("bad", ["", "not a hash", "$argon2id$v=19$m=8,t=1,p=1$garbage"])
async def test_verify_of_an_unreadable_hash_is_false(
    hasher: Argon2PasswordHasher, bad: str
) -> None:
    assert await hasher.verify(bad, "pw") is False


async def test_verify_without_a_hash_does_a_real_verification_with_the_same_parameters(
    hasher: Argon2PasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real_verify = argon2.PasswordHasher.verify

    def spy(self: argon2.PasswordHasher, password_hash: str | bytes, password: str | bytes) -> bool:
        checked.append(str(password_hash))
        return real_verify(self, password_hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", spy)

    await hasher.verify(None, "a")
    await hasher.verify(None, "b")

    # One dummy hash, made once, costing exactly what a real user's hash costs.
    assert len(checked) == 2
    assert checked[0] == checked[1]
    assert checked[0].startswith("$argon2id$v=19$m=8,t=1,p=1$")


class _Gate:
    """Holds a stubbed argon2 call in its thread until the test lets it go."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.threads: list[threading.Thread] = []

    def block(self) -> None:
        self.threads.append(threading.current_thread())
        self.entered.set()
        # Bounded so that a regression fails instead of hanging the run.
        assert self.release.wait(30), "the event loop never got to release the gate"


@pytest.mark.parametrize("call", ["hash", "verify", "verify-unknown"])
async def test_hashing_runs_off_the_event_loop(
    hasher: Argon2PasswordHasher, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    gate = _Gate()
    encoded = await hasher.hash("pw")

    def stub_hash(self: argon2.PasswordHasher, password: str | bytes, **_: object) -> str:
        gate.block()
        return encoded

    def stub_verify(self: argon2.PasswordHasher, h: str | bytes, password: str | bytes) -> bool:
        gate.block()
        return True

    monkeypatch.setattr(argon2.PasswordHasher, "hash", stub_hash)
    monkeypatch.setattr(argon2.PasswordHasher, "verify", stub_verify)

    async def run() -> object:
        if call == "hash":
            return await hasher.hash("pw")
        return await hasher.verify(None if call == "verify-unknown" else encoded, "pw")

    task = asyncio.create_task(run())
    # Waiting here runs the loop: had the call blocked it, we would never get past.
    await asyncio.to_thread(gate.entered.wait, 30)
    other_work = await asyncio.sleep(0, result="the loop still serves")

    assert not task.done()
    assert other_work == "the loop still serves"
    gate.release.set()
    await task
    assert gate.threads[0] is not threading.main_thread()


def test_tokens_are_url_safe_256_bit_and_unique() -> None:
    generator = SecretsTokenGenerator()

    tokens = {generator.new_token() for _ in range(1000)}

    assert len(tokens) == 1000
    # 32 bytes in unpadded base64url: 43 characters.
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)
