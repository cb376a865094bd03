"""``chatport serve`` (the default) and ``chatport migrate``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

import structlog

from chatport.config import Settings, load_settings
from chatport.http.logs import configure_logging


def _raise_open_files_limit(settings: Settings) -> None:
    """Each open stream holds two sockets (client and provider): lift the soft limit
    on open files to the hard one, and say so when even that is short."""
    try:
        import resource
    except ImportError:  # not on this platform
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    needed = 2 * settings.runs_per_process + 256
    if soft < needed:
        structlog.get_logger("chatport").warning(
            "open_files_limit_low",
            limit=soft,
            needed=needed,
            hint="raise the hard limit (ulimit -Hn) or lower CHATPORT_RUNS_PER_PROCESS",
        )


def _serve(settings: Settings) -> int:
    import uvicorn

    _raise_open_files_limit(settings)

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
