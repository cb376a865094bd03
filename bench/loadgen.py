"""A small HTTP/1.1 keep-alive load generator on asyncio streams.

httpx spends more CPU per request than the server under test on this 2-core
machine, so a benchmark driven by it would measure the client. This one sends a
fixed GET with a cookie and reads a ``Content-Length`` framed answer, nothing more.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    failures: int = 0


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def _worker(host: str, port: int, request: bytes, until: float, tally: Tally) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            status = await _read_response(reader)
            if status == 200:
                tally.latencies.append(time.perf_counter() - started)
            else:
                tally.failures += 1
    finally:
        writer.close()


async def hammer(
    host: str, port: int, path: str, *, cookie: str, connections: int, seconds: float
) -> Tally:
    """GET ``path`` over ``connections`` keep-alive connections for ``seconds``."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: session={cookie}\r\n\r\n"
    ).encode()
    tally = Tally()
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_worker(host, port, request, until, tally) for _ in range(connections)))
    return tally
