"""Scenario ``streaming``: what chatport adds to N concurrent streamed replies.

For each N and each round: a fresh chatport (SQLite; per-user, per-minute and
per-process run limits and the provider connection cap raised to hold N) and one
fake OpenAI provider sending ``tokens`` tokens ``token_delay`` seconds apart, the
first at once. Then:

1. direct: N streams straight to the fake; time to first token (TTFT) runs from
   writing the POST to the first content delta;
2. through chatport: N completions, one per chat (titled chats, so no title
   request follows a reply); TTFT runs from writing the POST to the first
   ``text-delta`` frame. Added TTFT = chatport's p50 (p99) minus direct's;
3. relayed tokens/s = ``text-delta`` frames of all streams / the time from the
   first POST to the last frame. The time from a stream's last token to the end
   of its body (chatport stores the reply before it sends ``finish``) is reported
   apart as the finish lag. Every frame is counted: a stream that misses one, or
   does not end with ``finish`` (stop) and ``[DONE]``, is a failure, and the first
   few failures are printed on stderr;
4. memory per open stream = (peak server RSS during the burst - its RSS at idle
   after a warm-up of a few streams) / the most streams open at once. The server
   is fresh each round: freed memory stays in the process, so a second burst on
   the same one would find the memory already there.

All N connections are opened first, then all N requests written at once: a burst,
the hardest case for starting replies. The CPU share of each process (server,
fake, this client) is reported, so a figure bounded by the fake or by the client
shows itself. The fake runs in a process of its own, not in a thread of this one:
at a thousand streams it sends tens of thousands of events a second, and sharing
this process's GIL it would delay the client's reads and so its clocks
(``bench.fake_llm``). The client is ``bench.sse_client`` (asyncio protocols on
uvloop, no httpx: encode/httpx#3215). Each process has two cores to share with
the other two: read figures at 1,000 streams with the CPU shares beside them.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.bursts import Phase, burst, measured, rss_kb, run_loop
from bench.fake_llm import fake_provider
from bench.server import chatport_server
from bench.sse_client import post_request
from bench.stats import median, percentile

PASSWORD = "bench-password-1"
MODEL = "gpt-fake"
WARM_UP = 8  # streams through chatport before the idle RSS is read
CHATPORT_TOKEN = b'"type":"text-delta"'
CHATPORT_END = b'"finishReason":"stop"'
DIRECT_TOKEN = b'"delta":{"content":"'
DIRECT_END = b'"finish_reason":"stop"'


def _prepare(base: str, fake_root: str, chats: int) -> tuple[str, list[str]]:
    """Register the admin, add the fake as a provider, make ``chats`` titled chats;
    the session cookie and the chat ids."""
    with httpx.Client(base_url=base, headers={"Origin": base}, timeout=30) as client:
        account = {"username": "bench", "password": PASSWORD}
        client.post("/api/auth/register", json=account).raise_for_status()
        provider = {"name": "fake", "providerType": "openai-compatible"}
        provider["baseUrl"] = f"{fake_root}/v1"
        client.post("/api/admin/providers", json=provider).raise_for_status()
        ids = []
        for n in range(chats):
            answer = client.post("/api/chats", json={"title": f"Streaming chat {n}"})
            answer.raise_for_status()
            ids.append(answer.json()["id"])
        return client.cookies["session"], ids


def _post(url: str, path: str, body: Any, headers: dict[str, str]) -> bytes:
    parts = urlsplit(url)
    data = json.dumps(body).encode()
    return post_request(parts.hostname or "127.0.0.1", parts.port or 80, path, data, headers)


def _phases(n: int, fake: tuple[str, int], tokens: int, within: float) -> tuple[Phase, Phase, int]:
    """The direct burst, the burst through a fresh chatport, and its idle RSS (kB)."""
    fake_url, fake_pid = fake
    messages = [{"role": "user", "content": "hi"}]
    streamed = {"stream": True, "stream_options": {"include_usage": True}}
    direct = _post(
        fake_url, "/v1/chat/completions", {"model": MODEL, "messages": messages, **streamed}, {}
    )
    limit = str(max(n, 1000))
    env = {
        "CHATPORT_RUNS_PER_USER": "100000",
        "CHATPORT_COMPLETIONS_PER_MINUTE": "1000000",
        "CHATPORT_RUNS_PER_PROCESS": limit,
        "CHATPORT_LLM_MAX_CONNECTIONS": limit,
    }
    with tempfile.TemporaryDirectory() as tmp, chatport_server(Path(tmp), **env) as (base, server):
        cookie, chats = _prepare(base, fake_url, n + WARM_UP)
        headers = {"Cookie": f"session={cookie}", "Origin": base}
        body = {"model": MODEL, "messages": messages}
        posts = [_post(base, f"/api/chats/{chat}/completion", body, headers) for chat in chats]
        warm = run_loop(burst(base, posts[n:], CHATPORT_TOKEN, within, server.pid))
        if warm.failures(tokens, CHATPORT_END):
            raise RuntimeError(f"warm-up failed: {warm.failures(tokens, CHATPORT_END)[:3]}")
        pids = {"server": server.pid, "fake": fake_pid}
        direct_phase = measured(pids, burst(fake_url, [direct] * n, DIRECT_TOKEN, within, fake_pid))
        time.sleep(0.5)
        idle = rss_kb(server.pid)
        chatport_phase = measured(pids, burst(base, posts[:n], CHATPORT_TOKEN, within, server.pid))
    return direct_phase, chatport_phase, idle


def one_round(n: int, fake: tuple[str, int], tokens: int, token_delay: float) -> dict[str, Any]:
    """The figures of one round at N streams; ``errors`` holds the first failures."""
    d, c, idle = _phases(n, fake, tokens, within=60 + 20 * tokens * token_delay)
    d_ttft, c_ttft, lags = d.ttfts(), c.ttfts(), c.finish_lags()
    d_fail, c_fail = d.failures(tokens, DIRECT_END), c.failures(tokens, CHATPORT_END)
    figures: dict[str, Any] = {
        "direct_ttft_p50_ms": percentile(d_ttft, 0.5) * 1000,
        "direct_ttft_p99_ms": percentile(d_ttft, 0.99) * 1000,
        "chatport_ttft_p50_ms": percentile(c_ttft, 0.5) * 1000,
        "chatport_ttft_p99_ms": percentile(c_ttft, 0.99) * 1000,
    }
    figures["added_ttft_p50_ms"] = figures["chatport_ttft_p50_ms"] - figures["direct_ttft_p50_ms"]
    figures["added_ttft_p99_ms"] = figures["chatport_ttft_p99_ms"] - figures["direct_ttft_p99_ms"]
    figures |= {
        "direct_tokens_per_s": d.tokens_per_s(),
        "relayed_tokens_per_s": c.tokens_per_s(),
        "direct_stream_s_p50": median(d.paces()),
        "chatport_stream_s_p50": median(c.paces()),
        "finish_lag_p50_ms": percentile(lags, 0.5) * 1000,
        "finish_lag_p99_ms": percentile(lags, 0.99) * 1000,
        "open_streams_max": c.max_open,
        "kb_per_open_stream": (c.peak_rss - idle) / max(c.max_open, 1),
        "server_idle_rss_mb": idle / 1024,
        "server_peak_rss_mb": c.peak_rss / 1024,
        "server_cpu_pct": c.cpu["server"] * 100,
        "fake_cpu_pct": c.cpu["fake"] * 100,
        "client_cpu_pct": c.cpu["client"] * 100,
        "direct_fake_cpu_pct": d.cpu["fake"] * 100,
        "direct_client_cpu_pct": d.cpu["client"] * 100,
        "direct_failures": len(d_fail),
        "chatport_failures": len(c_fail),
        "errors": [f"direct: {e}" for e in d_fail[:3]] + [f"chatport: {e}" for e in c_fail[:3]],
    }
    return figures


def run(
    *, rounds: int, streams: list[int], tokens: int, token_delay: float
) -> list[dict[str, Any]]:
    """One line per N: the settings, the median over rounds of each figure, and
    the failures summed over rounds."""
    lines: list[dict[str, Any]] = []
    with fake_provider(tokens, token_delay) as fake:
        for n in streams:
            per_round = [one_round(n, fake, tokens, token_delay) for _ in range(rounds)]
            line: dict[str, Any] = {
                "streams": n,
                "tokens": tokens,
                "token_delay_ms": token_delay * 1000,
                "rounds": rounds,
                "ideal_tokens_per_s": n * tokens / max((tokens - 1) * token_delay, 1e-9),
            }
            for key in per_round[0]:
                values = [figures[key] for figures in per_round]
                if key == "errors":
                    for error in [e for errors in values for e in errors][:5]:
                        print(f"streaming, {n} streams: {error}", file=sys.stderr)
                elif key.endswith("failures"):
                    line[key] = sum(values)
                else:
                    line[key] = median(values)
            lines.append(line)
    return lines
