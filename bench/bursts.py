"""One burst of N streams (``bench.sse_client``), with what the processes involved
spent meanwhile: the server's peak RSS (``/proc/<pid>/status``) and each process's
share of a core (``/proc/<pid>/stat``; the client's own from ``process_time``)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlsplit

from bench.sse_client import Board, StreamResult, stream_all

_TICK = os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", "rb") as status:
        for line in status:
            if line.startswith(b"VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as stat:
        fields = stat.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


class Phase:
    """The streams of one burst and what the processes did meanwhile."""

    def __init__(self, results: list[StreamResult], peak_rss: int, max_open: int) -> None:
        self.results = results
        self.peak_rss = peak_rss  # kB, of the process watched
        self.max_open = max_open  # streams open at once, at most
        self.cpu: dict[str, float] = {}  # share of one core, by process

    def ttfts(self) -> list[float]:
        return [r.ttft for r in self.results if r.first]

    def tokens(self) -> int:
        return sum(r.tokens for r in self.results)

    def tokens_per_s(self) -> float:
        """Tokens of all streams over the time from the first request written to
        the last token received (the ends of the bodies are not counted)."""
        sent = [r.sent for r in self.results if r.sent]
        last = [r.last for r in self.results if r.last]
        return self.tokens() / (max(last) - min(sent)) if sent and last else 0.0

    def paces(self) -> list[float]:
        """Seconds from each stream's first token to its last."""
        return [r.last - r.first for r in self.results if r.first]

    def finish_lags(self) -> list[float]:
        """Seconds from each stream's last token to the end of its body."""
        return [r.done - r.last for r in self.results if r.last and r.error is None]

    def failures(self, expected: int, end: bytes) -> list[str]:
        """A line for each stream that failed, missed a token or did not end with
        ``end`` and ``[DONE]``."""
        return [
            r.error or f"{r.tokens}/{expected} tokens, tail {r.tail[-160:]!r}"
            for r in self.results
            if r.tokens != expected or not r.finished_with(end) or b"[DONE]" not in r.tail
        ]


async def burst(url: str, requests: list[bytes], marker: bytes, within: float, pid: int) -> Phase:
    """Send ``requests`` at once to ``url``'s host, counting ``marker``s, while
    sampling the RSS of process ``pid`` every 20 ms."""
    parts = urlsplit(url)
    board = Board()
    peak = rss_kb(pid)

    async def sample() -> None:
        nonlocal peak
        while True:
            peak = max(peak, rss_kb(pid))
            await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample())
    try:
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        results = await stream_all(host, port, requests, marker=marker, within=within, board=board)
    finally:
        sampler.cancel()
    return Phase(results, max(peak, rss_kb(pid)), board.max_open)


def run_loop(coro: Coroutine[Any, Any, Phase]) -> Phase:
    """Run ``coro`` on uvloop when installed (the client must cost less than the
    server it measures), else on asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def measured(processes: dict[str, int], coro: Coroutine[Any, Any, Phase]) -> Phase:
    """Run the burst ``coro``, noting the share of a core each process (and this
    client) spent meanwhile."""
    before = {name: cpu_seconds(pid) for name, pid in processes.items()}
    client_before = time.process_time()
    started = time.perf_counter()
    phase = run_loop(coro)
    elapsed = time.perf_counter() - started
    for name, pid in processes.items():
        phase.cpu[name] = (cpu_seconds(pid) - before[name]) / elapsed
    phase.cpu["client"] = (time.process_time() - client_before) / elapsed
    return phase
