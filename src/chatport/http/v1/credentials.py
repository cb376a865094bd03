"""``/api/v1/credentials``: the user's own provider keys, never shown again."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, put
from litestar.di import Provide
from litestar.params import FromPath, JSONBody

from chatport.domain.providers import Provider
from chatport.http.auth import AuthUser, services_of
from chatport.http.v1.auth import v1_user
from chatport.http.v1.docs import HEADERS, errors
from chatport.http.v1.envelope import Envelope, iso
from chatport.services.providers import KEY_MAX


class KeyBody(msgspec.Struct, frozen=True, kw_only=True):
    api_key: Annotated[str, msgspec.Meta(min_length=1, max_length=KEY_MAX)]


class CredentialOut(msgspec.Struct, frozen=True, kw_only=True):
    provider: str
    has_key: bool
    created_at: str | None


def credential_out(provider: Provider) -> CredentialOut:
    return CredentialOut(
        provider=provider.kind.value, has_key=provider.has_key, created_at=iso(provider.created_at)
    )


class V1CredentialsController(Controller):
    path = "/api/v1/credentials"
    response_headers = HEADERS
    tags = ["v1 credentials"]
    dependencies = {"user": Provide(v1_user)}

    @get("/", responses=errors())
    async def list_credentials(
        self, request: Request[Any, Any, Any], user: AuthUser
    ) -> Envelope[list[CredentialOut]]:
        keys = await services_of(request).credentials.list_keys(user)
        return Envelope(data=[credential_out(p) for p in keys])

    @put("/{provider:str}", responses=errors(404, 409))
    async def set_credential(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        provider: FromPath[str],
        data: JSONBody[KeyBody],
    ) -> Envelope[CredentialOut]:
        """Set (or replace) the key for openai, anthropic or openrouter."""
        stored = await services_of(request).credentials.set_key(user, provider, data.api_key)
        return Envelope(data=credential_out(stored))

    @delete("/{provider:str}", status_code=204, responses=errors(404))
    async def delete_credential(
        self, request: Request[Any, Any, Any], user: AuthUser, provider: FromPath[str]
    ) -> None:
        await services_of(request).credentials.remove_key(user, provider)
