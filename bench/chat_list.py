"""Scenario ``chat-list``: requests per second of ``GET /api/chats`` (50 chats of
one user, with a session cookie) against the real server process on SQLite.

This is the request DESIGN.md's performance notes measured: a session lookup and
one list query, about 9.5 KB of JSON.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench.loadgen import hammer
from bench.server import chatport_server
from bench.stats import median, percentile

PASSWORD = "bench-password-1"


def _prepare(base: str) -> str:
    with httpx.Client(base_url=base, headers={"Origin": base}) as client:
        client.post("/api/auth/register", json={"username": "bench", "password": PASSWORD})
        client.post("/api/auth/login", json={"username": "bench", "password": PASSWORD})
        for n in range(50):
            client.post("/api/chats", json={"title": f"A chat about topic number {n}"})
        cookie = client.cookies["session"]
        assert len(client.get("/api/chats").json()["chats"]) == 50
    return cookie


def run(*, rounds: int, seconds: float, connections: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, chatport_server(Path(tmp)) as (base, _):
        cookie = _prepare(base)
        url = urlsplit(base)
        rates: list[float] = []
        latencies: list[float] = []
        failures = 0
        for _ in range(rounds):
            tally = asyncio.run(
                hammer(
                    url.hostname or "127.0.0.1",
                    url.port or 80,
                    "/api/chats",
                    cookie=cookie,
                    connections=connections,
                    seconds=seconds,
                )
            )
            rates.append(len(tally.latencies) / seconds)
            latencies.extend(tally.latencies)
            failures += tally.failures
    return {
        "req_per_s_median": median(rates),
        "req_per_s_min": min(rates),
        "req_per_s_max": max(rates),
        "latency_p50_ms": percentile(latencies, 0.5) * 1000,
        "latency_p99_ms": percentile(latencies, 0.99) * 1000,
        "failures": failures,
    }
