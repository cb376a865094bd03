"""``/api/credentials``: the user's own provider keys, for the page's settings."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, put
from litestar.di import Provide
from litestar.params import FromPath, JSONBody

from chatport.domain.providers import Provider
from chatport.http.auth import AuthUser, current_user, services_of
from chatport.http.web.shapes import Success, ms_of
from chatport.services.providers import KEY_MAX


class KeyBody(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    api_key: Annotated[str, msgspec.Meta(min_length=1, max_length=KEY_MAX)]


class CredentialOut(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    provider: str
    has_key: bool
    created_at: int


class CredentialList(msgspec.Struct, frozen=True, kw_only=True):
    credentials: list[CredentialOut]


class CredentialEnvelope(msgspec.Struct, frozen=True, kw_only=True):
    credential: CredentialOut


def _out(provider: Provider) -> CredentialOut:
    return CredentialOut(
        provider=provider.kind.value,
        has_key=provider.has_key,
        created_at=ms_of(provider.created_at),
    )


class CredentialsController(Controller):
    path = "/api/credentials"
    tags = ["credentials"]
    dependencies = {"user": Provide(current_user)}

    @get("/")
    async def list_credentials(
        self, request: Request[Any, Any, Any], user: AuthUser
    ) -> CredentialList:
        keys = await services_of(request).credentials.list_keys(user)
        return CredentialList(credentials=[_out(p) for p in keys])

    @put("/{provider:str}")
    async def set_credential(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        provider: FromPath[str],
        data: JSONBody[KeyBody],
    ) -> CredentialEnvelope:
        stored = await services_of(request).credentials.set_key(user, provider, data.api_key)
        return CredentialEnvelope(credential=_out(stored))

    @delete("/{provider:str}", status_code=200)
    async def delete_credential(
        self, request: Request[Any, Any, Any], user: AuthUser, provider: FromPath[str]
    ) -> Success:
        await services_of(request).credentials.remove_key(user, provider)
        return Success()
