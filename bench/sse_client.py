"""Many concurrent server-sent-event streams over raw HTTP/1.1, on asyncio protocols.

Neither httpx nor aiohttp: httpx costs far more CPU per streamed event than the
server under test (encode/httpx#3215) and has a pool to configure; aiohttp is not a
dependency. This client opens one connection per stream, sends one prepared POST,
undoes the chunked transfer encoding and counts a marker (the bytes that start a
token's frame) in the body, without parsing JSON. Per stream it records when the
request was written, when the first marker arrived, how many arrived and how the
body ended: failures are counted, never dropped.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import cast

_TAIL = 512  # bytes of the body's end kept, to check how the stream finished


@dataclass(slots=True)
class StreamResult:
    sent: float = 0.0  # perf_counter when the request was written
    first: float = 0.0  # perf_counter when the first marker arrived (0: never)
    last: float = 0.0  # perf_counter when the last marker arrived
    done: float = 0.0  # perf_counter when the body ended or the stream failed
    status: int = 0
    tokens: int = 0
    error: str | None = None
    tail: bytes = b""

    @property
    def ttft(self) -> float:
        return self.first - self.sent

    def finished_with(self, end_marker: bytes) -> bool:
        return self.error is None and self.status == 200 and end_marker in self.tail


@dataclass(slots=True)
class Board:
    """What all streams of a phase share: how many are open (headers in, body not
    ended) right now and at most, for the memory sampler."""

    open: int = 0
    max_open: int = 0
    results: list[StreamResult] = field(default_factory=list)


class _Stream(asyncio.Protocol):
    __slots__ = (
        "_buf",
        "_carry",
        "_done",
        "_headers_done",
        "_left",
        "_marker",
        "_open",
        "_skip",
        "_transport",
        "board",
        "result",
    )

    def __init__(self, marker: bytes, board: Board, done: asyncio.Future[None]) -> None:
        self._marker = marker
        self.board = board
        self.result = StreamResult()
        self._done = done
        self._buf = b""
        self._carry = b""  # the body's last len(marker)-1 bytes: a marker may straddle
        self._left = 0  # payload bytes of the current chunk still to come
        self._skip = 0  # bytes of the CRLF after a payload still to come
        self._headers_done = False
        self._open = False
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; they quack alike.
        self._transport = cast(asyncio.Transport, transport)

    @property
    def ready(self) -> bool:
        """Connected, and not failed yet."""
        return self._transport is not None and not self._done.done()

    def send(self, request: bytes) -> None:
        assert self._transport is not None
        self.result.sent = time.perf_counter()
        self._transport.write(request)

    def fail(self, reason: str) -> None:
        self._end(reason)

    def data_received(self, data: bytes) -> None:
        buf = self._buf + data if self._buf else data
        if not self._headers_done:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self._buf = buf
                return
            head, buf = buf[:end], buf[end + 4 :]
            self._headers_done = True
            self.result.status = int(head.split(b" ", 2)[1])
            if self.result.status != 200 or b"chunked" not in head.lower():
                self._end(f"HTTP {self.result.status}: {buf[:200]!r}")
                return
            self._open = True
            self.board.open += 1
            self.board.max_open = max(self.board.max_open, self.board.open)
        pos, size = 0, len(buf)
        while pos < size:
            if self._left:  # inside a chunk's payload
                take = min(self._left, size - pos)
                self._body(buf[pos : pos + take])
                pos += take
                self._left -= take
                if not self._left:
                    self._skip = 2  # the CRLF that ends the payload
            elif self._skip:
                step = min(self._skip, size - pos)
                pos += step
                self._skip -= step
            else:  # a chunk-size line
                eol = buf.find(b"\r\n", pos)
                if eol < 0:
                    break
                length = int(buf[pos:eol].split(b";", 1)[0], 16)
                pos = eol + 2
                if not length:
                    self._end(None)
                    return
                self._left = length
        self._buf = buf[pos:]

    def _body(self, payload: bytes) -> None:
        text = self._carry + payload
        found = text.count(self._marker)
        if found:
            result = self.result
            result.last = time.perf_counter()
            if not result.tokens:
                result.first = result.last
            result.tokens += found
        keep = len(self._marker) - 1
        self._carry = text[-keep:]
        result_tail = self.result.tail + payload
        self.result.tail = result_tail[-_TAIL:]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._done.done():
            self._end(f"connection lost after {self.result.tokens} tokens: {exc!r}")

    def _end(self, error: str | None) -> None:
        if self._done.done():
            return
        self.result.done = time.perf_counter()
        self.result.error = error
        if self._open:
            self._open = False
            self.board.open -= 1
        self._done.set_result(None)
        if self._transport is not None:
            self._transport.close()


def post_request(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def stream_all(
    host: str, port: int, requests: list[bytes], *, marker: bytes, within: float, board: Board
) -> list[StreamResult]:
    """Open one connection per request, then write every request at once and read
    every stream to its end (or ``within`` seconds after the writes)."""
    loop = asyncio.get_running_loop()
    dones: list[asyncio.Future[None]] = []
    streams: list[_Stream] = []
    for _ in requests:
        done: asyncio.Future[None] = loop.create_future()
        stream = _Stream(marker, board, done)
        dones.append(done)
        streams.append(stream)
    # Connect in waves so a thousand SYNs do not overflow the listen backlog.
    for start in range(0, len(streams), 200):
        wave = streams[start : start + 200]
        results = await asyncio.gather(
            *(loop.create_connection(lambda s=s: s, host, port) for s in wave),
            return_exceptions=True,
        )
        for stream, outcome in zip(wave, results, strict=True):
            if isinstance(outcome, BaseException):
                stream.fail(f"connect failed: {outcome!r}")
    for stream, request in zip(streams, requests, strict=True):
        if stream.ready:
            stream.send(request)
    board.results = [s.result for s in streams]
    _, pending = await asyncio.wait(dones, timeout=within)
    for stream, done in zip(streams, dones, strict=True):
        if done in pending:
            stream.fail(f"timed out after {stream.result.tokens} tokens")
    return board.results
