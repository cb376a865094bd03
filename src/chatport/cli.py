"""``chatport serve`` (the default) and ``chatport migrate``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from chatport.config import Settings, load_settings
from chatport.http.logs import configure_logging


def _serve(settings: Settings) -> int:
    import uvicorn

    from chatport.bootstrap import create_app

    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        lifespan="on",
        proxy_headers=True,
        forwarded_allow_ips=list(settings.trusted_proxies),
        server_header=False,
        access_log=False,
        log_config=None,
    )
    # uvicorn shuts down gracefully on Ctrl-C, then re-raises the signal for us.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run()
    return 0


def _migrate(settings: Settings) -> int:
    from chatport.bootstrap import open_storage

    async def run() -> None:
        storage = await open_storage(settings)
        await storage.close()

    asyncio.run(run())
    print("migrations applied", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chatport", description=__doc__)
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ValueError as exc:
        print(f"chatport: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, settings.log_level)
    return _serve(settings) if args.command == "serve" else _migrate(settings)
