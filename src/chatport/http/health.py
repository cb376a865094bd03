"""``/healthz`` (the process answers) and ``/readyz`` (its backing services do too)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get

from chatport.domain.errors import StorageUnavailable
from chatport.http.auth import services_of


class Health(msgspec.Struct, frozen=True, kw_only=True):
    status: str


@get("/healthz", tags=["health"])
async def healthz() -> Health:
    return Health(status="ok")


@get("/readyz", tags=["health"])
async def readyz(request: Request[Any, Any, Any]) -> Response[Health]:
    try:
        await services_of(request).readiness()
    except StorageUnavailable:
        return Response(Health(status="unavailable"), status_code=503)
    return Response(Health(status="ok"))
