"""An app of ours served over real HTTP on loopback, inside the test's event loop:
for tests about connections (a client that goes away, a stream read half-way)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.fakes.server import serve


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """Serve ``app``, lifespan included, until the block ends; yields the base URL."""
    async with serve(app, lifespan="on") as url:
        yield url
