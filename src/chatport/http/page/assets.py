"""The page's static files, read once from the package and kept in memory.

Assets are served under ``/assets/<version>/...`` where the version is a hash of
every file: a browser may cache them for a year, and any change to any file moves
every URL, so relative ES module imports never mix two releases.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

import msgspec

ASSET_PREFIX = "/assets"
INDEX = "index.html"
_BASE_MARK = b"{{ASSETS}}"

_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".html": "text/html",
    ".json": "application/json",
    ".png": "image/png",
}


class Asset(msgspec.Struct, frozen=True, kw_only=True):
    body: bytes
    media_type: str
    etag: str


class Bundle(msgspec.Struct, frozen=True, kw_only=True):
    version: str
    index: Asset
    files: dict[str, Asset]


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _media_type(name: str) -> str | None:
    dot = name.rfind(".")
    return _TYPES.get(name[dot:]) if dot >= 0 else None


@cache
def bundle() -> Bundle:
    """Read at first use, not at import: nothing is built at import time. Only files
    with a known type are served; the lookup is by exact name, so no path a
    client sends can reach outside this folder."""
    root = resources.files("chatport.ui")
    raw: dict[str, bytes] = {}
    pending = [("", root)]
    while pending:
        prefix, folder = pending.pop()
        for entry in folder.iterdir():
            name = prefix + entry.name
            if entry.is_dir():
                pending.append((name + "/", entry))
            elif _media_type(name) is not None:
                raw[name] = entry.read_bytes()
    digest = hashlib.sha256()
    for name in sorted(raw):
        digest.update(name.encode() + b"\0" + raw[name] + b"\0")
    version = digest.hexdigest()[:12]
    index_body = raw.pop(INDEX).replace(_BASE_MARK, f"{ASSET_PREFIX}/{version}".encode())
    files = {
        name: Asset(body=body, media_type=_media_type(name) or "", etag=_etag(body))
        for name, body in raw.items()
    }
    index = Asset(body=index_body, media_type=_TYPES[".html"], etag=_etag(index_body))
    return Bundle(version=version, index=index, files=files)
