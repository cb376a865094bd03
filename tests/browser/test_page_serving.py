"""How the page is served: its security headers, asset caching, nothing outside
the static folder, and no page route in the OpenAPI document."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

STATIC = Path(__file__).parents[2] / "src" / "chatport" / "http" / "page" / "static"


def asset_base(html: str) -> str:
    found = re.search(r'src="(/assets/[0-9a-f]+)/js/main\.js"', html)
    assert found, html
    return found.group(1)


def test_the_page_has_a_strict_policy(server: str) -> None:
    page = httpx.get(server + "/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policies = page.headers.get_list("content-security-policy")
    strict = next(p for p in policies if "form-action" in p)
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ):
        assert directive in strict
    assert not any("unsafe" in p for p in policies)
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"]
    assert page.headers["cache-control"] == "no-cache"
    again = httpx.get(server + "/", headers={"if-none-match": page.headers["etag"]})
    assert again.status_code == 304


def test_assets_are_versioned_and_cached(server: str) -> None:
    base = asset_base(httpx.get(server + "/").text)
    script = httpx.get(server + base + "/js/main.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "immutable" in script.headers["cache-control"]
    style = httpx.get(server + base + "/app.css")
    assert style.headers["content-type"].startswith("text/css")
    old = httpx.get(server + "/assets/000000000000/js/main.js")
    assert old.status_code == 200
    assert old.headers["cache-control"] == "no-cache"
    for missing in ("/js/nope.js", "/../__init__.py", "/%2e%2e/assets.py", "/index.html"):
        assert httpx.get(server + base + missing).status_code == 404, missing


def test_page_routes_stay_out_of_the_openapi_document(server: str) -> None:
    paths = httpx.get(server + "/schema/openapi.json").json()["paths"]
    assert "/" not in paths
    assert not [p for p in paths if p.startswith("/assets")]


def test_no_file_comes_from_another_host() -> None:
    for file in STATIC.rglob("*"):
        if file.suffix not in {".js", ".css", ".html"}:
            continue
        text = file.read_text()
        for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, (file, sink)
        assert "new Function" not in text, file
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), file
        assert not re.search(r"""url\(\s*["']?(https?:)?//""", text), file
        for spec in re.findall(r"""(?:from|import)\s*\(?\s*["']([^"']+)["']""", text):
            assert spec.startswith("./"), (file, spec)
