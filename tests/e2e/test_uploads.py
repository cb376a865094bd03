"""Uploads stream through the real server process: a large file is stored without
the server's memory growing with it, and one over 50 MB is refused with 413."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.e2e.conftest import free_port, peak_rss_kib, running_process
from tests.samples import PNG_HEAD

PASSWORD = "correct horse battery"
BOUNDARY = "chatport-test-boundary"
MIB = 1024 * 1024
CHUNK = b"\0" * (256 * 1024)
# A buffered upload would add at least its own size to the peak; streamed, the
# server holds a few chunks at a time.
ALLOWED_GROWTH_KIB = 16 * 1024


def _form(size: int) -> Iterator[bytes]:
    """A multipart body with one PNG of ``size`` bytes, made as it is sent (so the
    request goes out chunked, with no Content-Length to refuse it by)."""
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="big.png"\r\nContent-Type: image/png\r\n\r\n'
    ).encode()
    yield PNG_HEAD
    left = size - len(PNG_HEAD)
    while left > 0:
        part = CHUNK[: min(left, len(CHUNK))]
        left -= len(part)
        yield part
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def _expected_sha(size: int) -> str:
    digest = hashlib.sha256(PNG_HEAD)
    left = size - len(PNG_HEAD)
    while left > 0:
        part = CHUNK[: min(left, len(CHUNK))]
        left -= len(part)
        digest.update(part)
    return digest.hexdigest()


def test_large_uploads_stream_and_oversized_ones_are_refused(tmp_path: Path) -> None:
    with running_process(tmp_path, free_port()) as (base, process):
        with httpx.Client(base_url=base, timeout=60) as client:
            made = client.post("/api/auth/register", json={"username": "ana", "password": PASSWORD})
            assert made.status_code == 201
            headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
            client.post("/api/files", content=_form(1 * MIB), headers=headers)  # warm up
            before = peak_rss_kib(process)

            stored = client.post("/api/files", content=_form(40 * MIB), headers=headers)
            after_40 = peak_rss_kib(process)
            refused = client.post("/api/files", content=_form(60 * MIB), headers=headers)
            after_60 = peak_rss_kib(process)
            listed = client.get("/api/files").json()

    assert stored.status_code == 201, stored.text
    assert stored.json()["size"] == 40 * MIB
    assert stored.json()["hash"] == "sha256:" + _expected_sha(40 * MIB)
    assert refused.status_code == 413
    assert listed["total"] == 2  # the warm-up and the 40 MB file
    assert after_40 - before < ALLOWED_GROWTH_KIB, (before, after_40)
    assert after_60 - before < ALLOWED_GROWTH_KIB, (before, after_60)
    leftovers = [p for p in (tmp_path / "files").rglob("*") if p.is_file()]
    assert len(leftovers) == 2  # the two stored blobs; no half file of the refused one
