"""Password hashing with argon2id, kept off the event loop."""

from __future__ import annotations

import asyncio
import os
import secrets
from concurrent.futures import ThreadPoolExecutor

import argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    """``PasswordHasher`` with argon2id.

    Contract:
    - ``hash`` returns an encoded ``$argon2id$`` string with a fresh random salt.
    - ``verify`` answers True only on a match; a mismatch or a hash it cannot read
      answers False, never an exception.
    - ``verify(None, password)`` (an unknown user) checks the password against a
      dummy hash made once with the same parameters, so it costs what a wrong
      password costs, and answers False.
    - Both run in a worker thread; the event loop keeps serving meanwhile.

    The defaults are argon2-cffi's (RFC 9106 low-memory profile: t=3, 64 MiB, p=4);
    tests may pass cheaper parameters, production must not go below the defaults.

    Threads: a small dedicated ``ThreadPoolExecutor`` rather than ``asyncio.to_thread``.
    Each hash holds ``memory_cost`` KiB (64 MiB by default) and saturates cores, so a
    burst of log-ins must queue here instead of taking up to 32 threads of the
    loop's default executor, which would multiply memory and starve every other
    blocking call (file I/O, DNS) that shares it. argon2 releases the GIL, so the
    workers run in parallel with the loop.
    """

    def __init__(
        self,
        time_cost: int = argon2.DEFAULT_TIME_COST,
        memory_cost: int = argon2.DEFAULT_MEMORY_COST,
        parallelism: int = argon2.DEFAULT_PARALLELISM,
        *,
        max_workers: int | None = None,
    ) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )
        self._executor = ThreadPoolExecutor(
            max_workers=max_workers or min(4, os.cpu_count() or 1),
            thread_name_prefix="argon2",
        )
        # Made once, eagerly (a single hash, at start-up): if it were made on the first
        # unknown user, that one log-in would cost twice as much and stand out.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(32))

    async def hash(self, password: str) -> str:
        """A new argon2id hash of ``password`` with a random salt."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches ``password_hash``; False otherwise, and False
        at the cost of a real verification when there is no hash."""
        loop = asyncio.get_running_loop()
        if password_hash is None:
            await loop.run_in_executor(self._executor, self._check, self._dummy_hash, password)
            return False
        return await loop.run_in_executor(self._executor, self._check, password_hash, password)

    def close(self) -> None:
        """Stop the worker threads once running calls end; no call may follow."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
