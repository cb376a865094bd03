"""Settings: one frozen struct, read once from ``CHATPORT_*`` variables (and ``.env``).

This is the only module that reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import msgspec

PREFIX = "CHATPORT_"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    # Empty: SQLite at <data_dir>/chatport.db. Else sqlite:///path or postgresql://...
    database_url: str = ""
    redis_url: str | None = None
    # Every Redis key starts with it: deployments (or test runs) may share a Redis.
    redis_prefix: str = "chatport:"
    secret_key: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: str = "./data"
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    cors_origins: tuple[str, ...] = ()
    # Proxies whose X-Forwarded-For / -Proto are believed (client IP, HTTPS).
    trusted_proxies: tuple[str, ...] = ("127.0.0.1",)
    max_body_bytes: int = 50 * 1024 * 1024
    db_pool_size: int = 10
    # The offline echo provider, added at start when no provider exists.
    demo_provider: bool = False
    demo_token_delay: float = 0.02
    runs_per_user: int = 3
    completions_per_minute: int = 20
    runs_per_process: int = 1000
    llm_connect_timeout: float = 10.0
    llm_first_byte_timeout: float = 120.0
    llm_idle_timeout: float = 60.0
    llm_max_connections: int = 1000
    # Uploaded files' bytes; empty: <data_dir>/files. Instances that serve the same
    # users must share it (a shared volume).
    files_dir: str = ""
    upload_quota_bytes: int = 1024 * 1024 * 1024
    uploads_per_minute: int = 10

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def files_path(self) -> Path:
        return Path(self.files_dir) if self.files_dir else Path(self.data_dir) / "files"

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file: ``sqlite:///relative``, ``sqlite:////absolute``, or by default
        ``chatport.db`` in the data dir."""
        if not self.database_url:
            return Path(self.data_dir) / "chatport.db"
        if not self.database_url.startswith("sqlite:///"):
            raise ValueError(
                f"CHATPORT_DATABASE_URL is neither SQLite nor Postgres: {self.database_url!r}"
            )
        return Path(self.database_url.removeprefix("sqlite:///"))


_LISTS = {"cors_origins", "trusted_proxies"}


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Settings from the environment, over a ``.env`` file when there is one.

    A bad value raises ``ValueError`` naming the variable.
    """
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        from dotenv import dotenv_values

        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    fields = {f.name for f in msgspec.structs.fields(Settings)}
    raw: dict[str, object] = {}
    for key, value in values.items():
        if not key.startswith(PREFIX):
            continue
        name = key.removeprefix(PREFIX).lower()
        if name not in fields:
            continue
        if name in _LISTS:
            raw[name] = [item.strip() for item in value.split(",") if item.strip()]
        elif value == "" and name in {"redis_url", "secret_key"}:
            raw[name] = None
        else:
            raw[name] = value
    try:
        return msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise ValueError(f"Bad setting: {_name_in(str(exc))}") from exc


def _name_in(message: str) -> str:
    """Turn msgspec's ``$.port`` into the variable a person sets."""
    head, _, path = message.rpartition(" - at `$.")
    if not path:
        return message
    return f"{PREFIX}{path.rstrip('`').split('[')[0].upper()}: {head}"
