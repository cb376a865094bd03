"""Files on the web API: upload each accepted type, read it back as it was, spoofed
types never inline, names never paths, ranges, limits, and another user's files
are a 404."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from chatport.config import Settings
from tests.api.conftest import add_user, logged_in
from tests.samples import (
    BMP_HEAD,
    EXE_HEAD,
    GIF_HEAD,
    HTML_BODY,
    JPEG_HEAD,
    PDF_HEAD,
    PNG_HEAD,
    SVG_BODY,
    WEBP_HEAD,
    XML_BODY,
)

Client = AsyncTestClient[Litestar]
QUOTA = 64 * 1024


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path), upload_quota_bytes=QUOTA)


async def _upload(
    client: Client | httpx.AsyncClient, name: str, data: bytes, declared: str | None = None
) -> httpx.Response:
    file: tuple[str, bytes] | tuple[str, bytes, str] = (
        (name, data) if declared is None else (name, data, declared)
    )
    return await client.post("/api/files", files={"file": file})


async def _uploaded(client: Client, name: str, data: bytes, **kw: Any) -> dict[str, Any]:
    response = await _upload(client, name, data, **kw)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _blobs(settings: Settings) -> list[Path]:
    return [p for p in settings.files_path.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("name", "data", "mime", "inline"),
    [
        ("photo.jpg", JPEG_HEAD + b"\0" * 300, "image/jpeg", True),
        ("image.png", PNG_HEAD + b"\0" * 300, "image/png", True),
        ("anim.gif", GIF_HEAD + b"\0" * 300, "image/gif", True),
        ("pic.webp", WEBP_HEAD + b"\0" * 300, "image/webp", True),
        ("old.bmp", BMP_HEAD + b"\0" * 300, "image/bmp", True),
        ("logo.svg", SVG_BODY, "image/svg+xml", False),
        ("paper.pdf", PDF_HEAD + b"%%EOF\n", "application/pdf", True),
        ("notes.txt", "Olá, diário.\n".encode(), "text/plain", False),
        ("README.md", b"# Title\n\n*hi*\n", "text/markdown", False),
        ("table.csv", b"a,b\n1,2\n", "text/csv", False),
        ("data.json", b'{"a": [1, 2]}', "application/json", False),
        ("note.xml", XML_BODY, "application/xml", False),
        ("page.html", HTML_BODY, "text/html", False),
        ("main.py", b"def main() -> None:\n    pass\n", "text/plain", False),
    ],
)
async def test_each_accepted_type_round_trips(
    admin: Client, name: str, data: bytes, mime: str, inline: bool
) -> None:
    made = await _uploaded(admin, name, data)

    assert made["filename"] == name and made["mimeType"] == mime
    assert made["size"] == len(data) and made["sizeFormatted"].endswith("B")
    assert made["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    meta = (await admin.get(f"/api/files/{made['id']}")).json()
    assert meta["meta"] == {"originalName": name, "uploadedAt": made["createdAt"]}
    content = await admin.get(f"/api/files/{made['id']}/content")
    assert content.status_code == 200
    assert content.content == data
    assert content.headers["content-type"].split(";")[0] == mime
    assert content.headers["content-length"] == str(len(data))
    assert content.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in content.headers["content-security-policy"]
    disposition = content.headers["content-disposition"]
    assert disposition.startswith("inline;" if inline else "attachment;")


@pytest.mark.parametrize(
    ("name", "data", "declared", "mime"),
    [
        ("cat.png", b"<html><script>alert(1)</script></html>", "image/png", "text/html"),
        ("cat.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', None,
         "image/svg+xml"),
        ("cat.jpg", b"<?xml version='1.0'?><x:script xmlns:x='http://www.w3.org/1999/xhtml'/>",
         "image/jpeg", "application/xml"),
        ("notes.txt", b"<!DOCTYPE html><body onload=alert(1)>", "text/plain", "text/html"),
    ],
)  # fmt: skip
async def test_spoofed_files_are_typed_by_their_bytes_and_never_inline(
    admin: Client, name: str, data: bytes, declared: str | None, mime: str
) -> None:
    made = await _uploaded(admin, name, data, declared=declared)

    content = await admin.get(f"/api/files/{made['id']}/content")

    assert made["mimeType"] == mime
    assert content.headers["content-type"].split(";")[0] == mime
    assert content.headers["content-disposition"].startswith("attachment;")
    assert content.headers["x-content-type-options"] == "nosniff"


async def test_a_declared_type_that_disagrees_is_corrected(admin: Client) -> None:
    made = await _uploaded(admin, "photo.txt", JPEG_HEAD + b"\0" * 50, declared="text/plain")
    assert made["mimeType"] == "image/jpeg"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.exe", EXE_HEAD),
        ("tool.txt", EXE_HEAD),
        ("latin1.txt", "café".encode("latin-1")),
        ("zeros.bin", b"\0" * 100),
    ],
)
async def test_other_types_are_refused_with_the_accepted_list(
    admin: Client, settings: Settings, name: str, data: bytes
) -> None:
    response = await _upload(admin, name, data)

    assert response.status_code == 400
    assert "Accepted: images (JPEG, PNG, GIF, WebP, SVG, BMP)" in response.json()["error"]
    assert (await admin.get("/api/files")).json() == {"files": [], "total": 0}
    assert _blobs(settings) == []


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
        ("/absolute/path/notes.md", "notes.md"),
        ("...txt", "txt"),
        ("invoice\u202etxt.exe.txt", "invoicetxt.exe.txt"),
    ],
)
async def test_names_are_cleaned_and_never_used_as_paths(
    admin: Client, settings: Settings, name: str, clean: str
) -> None:
    made = await _uploaded(admin, name, b"hello\n")

    assert made["filename"] == clean
    (blob,) = _blobs(settings)
    assert blob.resolve().is_relative_to(settings.files_path.resolve())
    assert blob.name == hashlib.sha256(b"hello\n").hexdigest()


async def test_a_non_ascii_name_downloads_under_its_own_name(admin: Client) -> None:
    made = await _uploaded(admin, "Relatório 日本.md", b"# hi\n")

    content = await admin.get(f"/api/files/{made['id']}/content")

    disposition = content.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Relat_rio __.md"')
    assert "filename*=UTF-8''Relat%C3%B3rio%20%E6%97%A5%E6%9C%AC.md" in disposition


async def test_identical_content_is_stored_once_and_goes_with_its_last_file(
    admin: Client, settings: Settings
) -> None:
    first = await _uploaded(admin, "a.txt", b"same bytes\n")
    second = await _uploaded(admin, "b.txt", b"same bytes\n")

    assert first["id"] != second["id"] and first["hash"] == second["hash"]
    assert len(_blobs(settings)) == 1
    listed = (await admin.get("/api/files")).json()
    assert listed["total"] == 2
    assert [f["filename"] for f in listed["files"]] == ["b.txt", "a.txt"]
    gone = await admin.delete(f"/api/files/{first['id']}")
    assert gone.status_code == 200
    assert gone.json() == {"message": "File deleted successfully"}
    assert len(_blobs(settings)) == 1
    assert (await admin.get(f"/api/files/{second['id']}/content")).content == b"same bytes\n"
    await admin.delete(f"/api/files/{second['id']}")
    assert _blobs(settings) == []
    assert (await admin.get(f"/api/files/{first['id']}")).status_code == 404


async def test_ranges(admin: Client) -> None:
    data = bytes(range(256)) * 4
    made = await _uploaded(admin, "blob.png", PNG_HEAD + data)
    whole = PNG_HEAD + data
    url = f"/api/files/{made['id']}/content"

    part = await admin.get(url, headers={"Range": "bytes=10-19"})
    tail = await admin.get(url, headers={"Range": "bytes=-5"})
    outside = await admin.get(url, headers={"Range": f"bytes={len(whole)}-"})

    assert part.status_code == 206
    assert part.content == whole[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(whole)}"
    assert part.headers["content-length"] == "10"
    assert tail.status_code == 206 and tail.content == whole[-5:]
    assert outside.status_code == 416
    assert outside.headers["content-range"] == f"bytes */{len(whole)}"
    assert (await admin.get(url)).headers["accept-ranges"] == "bytes"


async def test_ten_uploads_a_minute(admin: Client) -> None:
    for n in range(10):
        assert (await _upload(admin, f"n{n}.txt", b"x")).status_code == 201

    refused = await _upload(admin, "eleventh.txt", b"x")

    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert (await admin.get("/api/files")).json()["total"] == 10


async def test_the_quota_is_told_in_words_and_counts_a_blob_once(admin: Client) -> None:
    half = PNG_HEAD + b"\0" * (QUOTA // 2)
    await _uploaded(admin, "one.png", half)
    await _uploaded(admin, "same.png", half)  # the same bytes: no more room taken

    refused = await _upload(admin, "two.png", PNG_HEAD + b"\1" * (QUOTA // 2))

    assert refused.status_code == 413
    assert refused.json()["error"].startswith("Your files would pass your storage quota of 64 KB")
    assert (await admin.get("/api/files")).json()["total"] == 2


async def test_readonly_users_cannot_upload(admin: Client, app: Litestar) -> None:
    await add_user(admin, "reader", role="readonly")
    async with logged_in(app, "reader") as reader:
        refused = await _upload(reader, "a.txt", b"hi")
        assert refused.status_code == 403
        assert refused.json()["error"] == "Read-only accounts cannot upload files"
        assert (await reader.get("/api/files")).json()["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"json": {"file": "x"}},
        {"data": {"note": "no file"}, "files": {"other": ("a.txt", b"hi")}},
        {"data": {"file": "just text"}},
    ],
)
async def test_a_body_without_a_file_field_is_400(admin: Client, body: dict[str, Any]) -> None:
    response = await admin.post("/api/files", **body)

    assert response.status_code == 400, response.text
    assert "file" in response.json()["error"]


async def test_another_users_file_is_404_everywhere(
    admin: Client, member: httpx.AsyncClient, settings: Settings
) -> None:
    made = await _uploaded(admin, "mine.txt", b"private\n")
    url = f"/api/files/{made['id']}"

    answers = [
        await member.get(url),
        await member.get(f"{url}/content"),
        await member.delete(url),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert {a.json()["error"] for a in answers} == {"File not found"}
    assert (await member.get("/api/files")).json()["total"] == 0
    assert (await admin.get(f"{url}/content")).content == b"private\n"
    assert len(_blobs(settings)) == 1


async def test_a_deleted_users_files_go_with_them(
    admin: Client, app: Litestar, settings: Settings
) -> None:
    bob = await add_user(admin, "bob")
    async with logged_in(app, "bob") as bobs:
        await _upload(bobs, "one.txt", b"one\n")
        await _upload(bobs, "two.txt", b"two\n")
    mine = await _uploaded(admin, "mine.txt", b"mine\n")
    assert len(_blobs(settings)) == 3

    deleted = await admin.delete(f"/api/admin/users/{bob['id']}")

    assert deleted.status_code == 200, deleted.text
    (left,) = _blobs(settings)
    assert left.name == mine["hash"].removeprefix("sha256:")
