"""``python -m bench [scenario ...]``: run benchmarks, print one JSON line each.

Figures are medians over rounds; the machine is shared and noisy, so compare
ratios measured in one run rather than figures from different days.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from bench import chat_list, streams

# A scenario answers one JSON line's figures, or a list of them (one per setting).
SCENARIOS: dict[str, Callable[[argparse.Namespace], Any]] = {
    "chat-list": lambda a: chat_list.run(
        rounds=a.rounds, seconds=a.seconds, connections=a.connections
    ),
    "streaming": lambda a: streams.run(
        rounds=a.rounds, streams=a.streams, tokens=a.tokens, token_delay=a.token_delay
    ),
}


def _counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("scenarios", nargs="*", choices=[*SCENARIOS, []], default=[])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--streams", type=_counts, default=[1, 100, 1000], help="streaming: N, comma-separated"
    )
    parser.add_argument("--tokens", type=int, default=50, help="streaming: tokens a reply")
    parser.add_argument(
        "--token-delay", type=float, default=0.02, help="streaming: seconds between tokens"
    )
    args = parser.parse_args(argv)
    for name in args.scenarios or list(SCENARIOS):
        results = SCENARIOS[name](args)
        for result in results if isinstance(results, list) else [results]:
            figures = {k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}
            print(json.dumps({"scenario": name, **figures}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
