"""``python -m bench.fake_llm --tokens N --token-delay S``: the tests' ``FakeOpenAI`` in
a process of its own, printing its root URL on the first line of stdout and serving
until SIGTERM or SIGINT; ``fake_provider()`` runs it for a benchmark.

The streaming benchmark runs the fake here rather than in a thread of its own
process: at a thousand streams the fake sends tens of thousands of events a second,
and in a thread it would share the GIL (and the event loop's timing) with the load
generator, so the client's clocks would measure the fake's backlog. Here it has a
process, and uvloop, to itself; its CPU time is read from /proc and reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.fakes import FakeOpenAI


@contextlib.contextmanager
def fake_provider(tokens: int, token_delay: float) -> Iterator[tuple[str, int]]:
    """This module in a child process; yields the fake's root URL and pid."""
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "bench.fake_llm", "--tokens", str(tokens)]
    command += ["--token-delay", str(token_delay)]
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().decode().strip()
        if not url.startswith("http"):
            raise RuntimeError("the fake provider did not start")
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


async def _serve(tokens: int, token_delay: float) -> None:
    fake = FakeOpenAI(token_delay=token_delay, reply_tokens=tokens)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with fake.serve():
        print(fake.root_url, flush=True)
        while not stop.is_set():
            # The fake records every request; a load run needs none of them.
            fake.requests.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fake_llm")
    parser.add_argument("--tokens", type=int, default=50)
    parser.add_argument("--token-delay", type=float, default=0.02)
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        asyncio.run(_serve(args.tokens, args.token_delay))
    else:
        uvloop.run(_serve(args.tokens, args.token_delay))
    return 0


if __name__ == "__main__":
    sys.exit(main())
