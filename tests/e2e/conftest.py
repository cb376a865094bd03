"""Start the real server process (``python -m chatport``) on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_server(data_dir: Path, port: int, **env: str) -> Iterator[str]:
    """The server's base URL while it runs; stopped with SIGINT (Ctrl-C) afterwards,
    which must end it cleanly."""
    with running_process(data_dir, port, **env) as (base, _):
        yield base


@contextmanager
def running_process(
    data_dir: Path, port: int, **env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``running_server``, with the process itself (to watch its memory, say)."""
    environ = {
        **os.environ,
        "CHATPORT_DATA_DIR": str(data_dir),
        "CHATPORT_HOST": "127.0.0.1",
        "CHATPORT_PORT": str(port),
        "CHATPORT_LOG_FORMAT": "json",
        **env,
    }
    environ.pop("CHATPORT_DATABASE_URL", None)
    environ.pop("CHATPORT_REDIS_URL", None)
    log_path = data_dir / f"server-{port}-{time.monotonic_ns()}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "chatport"],
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=data_dir,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, process, log_path)
            yield base, process
        finally:
            process.send_signal(2)
            try:
                code = process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
    assert code == 0, f"server exited with {code}:\n{log_path.read_text()}"


def _wait_ready(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server died at start:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server not ready in 30 s:\n{log_path.read_text()}")


def peak_rss_kib(process: subprocess.Popen[bytes]) -> int:
    """The most resident memory the process has had since it started (VmHWM)."""
    status = Path(f"/proc/{process.pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1])
