"""Serve an ASGI app on 127.0.0.1 with uvicorn: in this event loop, or in a thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import uvicorn

# A fake that drops a connection on purpose leaves uvicorn saying so; that is the
# point of the test, not news.
_CUT_ON_PURPOSE = "ASGI callable returned without completing response."


Lifespan = Literal["on", "off"]


class _QuietCut(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _CUT_ON_PURPOSE


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Ctrl-C belongs to the test runner, not to a fake.
        yield


def _server(app: Any, lifespan: Lifespan = "off") -> tuple[_Server, socket.socket, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan=lifespan,
        timeout_graceful_shutdown=1,
    )
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietCut) for f in logger.filters):
        logger.addFilter(_QuietCut())
    return _Server(config), sock, f"http://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def serve(app: Any, lifespan: Lifespan = "off") -> AsyncIterator[str]:
    """The server's root URL while ``app`` is served by a task of this event loop
    (with ``lifespan="on"``, an app of ours: its start-up and shut-down run too)."""
    server, sock, url = _server(app, lifespan)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the fake server stopped at start")
            await asyncio.sleep(0.002)
        yield url
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextlib.contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """The server's root URL while ``app`` is served by a thread with its own loop,
    for sync tests and for load runs."""
    server, sock, url = _server(app)
    thread = threading.Thread(
        target=asyncio.run, args=(server.serve(sockets=[sock]),), name=f"fake {url}", daemon=True
    )
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the fake server stopped at start")
            threading.Event().wait(0.002)
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
