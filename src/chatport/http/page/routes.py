"""``/`` and ``/assets/...``: the web page. Left out of the OpenAPI document: they
are not part of any API."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get
from litestar.params import FromPath

from chatport.http.errors import web_error
from chatport.http.page.assets import ASSET_PREFIX, Asset, bundle

# The app-wide policy (chatport.http.middleware) is sent too; a browser enforces
# both, so this one only has to be the stricter of the two for the page.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; media-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_IMMUTABLE = "public, max-age=31536000, immutable"
# The document names the assets' version: it must be checked on every visit.
_REVALIDATE = "no-cache"


def _answer(request: Request[Any, Any, Any], asset: Asset, cache_control: str) -> Response[bytes]:
    headers = {"etag": asset.etag, "cache-control": cache_control}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


@get("/", include_in_schema=False, cache=False)
async def page(request: Request[Any, Any, Any]) -> Response[bytes]:
    response = _answer(request, bundle().index, _REVALIDATE)
    response.headers["content-security-policy"] = PAGE_CSP
    return response


@get(ASSET_PREFIX + "/{version:str}/{name:path}", include_in_schema=False)
async def asset(
    request: Request[Any, Any, Any], version: FromPath[str], name: FromPath[str]
) -> Response[Any]:
    found = bundle()
    file = found.files.get(name.lstrip("/"))
    if file is None:
        return web_error(404, "Not found")
    # An old version's URL still gets today's file, but must not be kept for long.
    fresh = version == found.version
    return _answer(request, file, _IMMUTABLE if fresh else _REVALIDATE)


page_router = Router(path="/", route_handlers=[page, asset], include_in_schema=False)
