"""``python -m bench [scenario ...]``: run benchmarks, print one JSON line each.

Figures are medians over rounds; the machine is shared and noisy, so compare
ratios measured in one run rather than figures from different days.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from bench import chat_list

SCENARIOS: dict[str, Callable[[argparse.Namespace], dict[str, float]]] = {
    "chat-list": lambda a: chat_list.run(
        rounds=a.rounds, seconds=a.seconds, connections=a.connections
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("scenarios", nargs="*", choices=[*SCENARIOS, []], default=[])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    for name in args.scenarios or list(SCENARIOS):
        result = SCENARIOS[name](args)
        print(json.dumps({"scenario": name, **{k: round(v, 2) for k, v in result.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
