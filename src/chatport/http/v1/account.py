"""``/api/v1/auth`` and ``/api/v1/models``: log in for a token, manage tokens, who
am I, and which models I can use."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.di import Provide
from litestar.params import FromPath, JSONBody

from chatport.domain.providers import ModelChoice
from chatport.domain.tokens import TOKEN_NAME_MAX, AccessToken
from chatport.domain.users import User
from chatport.http.auth import AuthUser, client_info, services_of
from chatport.http.v1.auth import token_of, v1_user
from chatport.http.v1.docs import HEADERS, errors
from chatport.http.v1.envelope import Envelope, iso
from chatport.services.tokens import ABILITY_MAX, EXPIRY_DAYS_MAX, IssuedToken

BEARER = "Bearer"
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=TOKEN_NAME_MAX)]


class LoginBody(msgspec.Struct, frozen=True, kw_only=True):
    email: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]  # or the username
    password: Annotated[str, msgspec.Meta(max_length=1000)]
    device_name: Name


class TokenBody(msgspec.Struct, frozen=True, kw_only=True):
    name: Name
    abilities: Annotated[
        list[Annotated[str, msgspec.Meta(min_length=1, max_length=ABILITY_MAX)]],
        msgspec.Meta(min_length=1, max_length=20),
    ] = msgspec.field(default_factory=lambda: ["*"])
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=EXPIRY_DAYS_MAX)] | None = None


class UserBrief(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    email: str | None


class LoginOut(msgspec.Struct, frozen=True, kw_only=True):
    token: str
    token_type: str
    user: UserBrief


class TokenOut(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    abilities: list[str]
    last_used_at: str | None
    created_at: str | None
    expires_at: str | None


class NewTokenOut(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    token: str
    token_type: str
    abilities: list[str]
    expires_at: str | None


class Flags(msgspec.Struct, frozen=True, kw_only=True):
    has_credentials: bool


class MeOut(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    username: str
    email: str | None
    role: str
    created_at: str | None
    flags: Flags


class ModelOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    provider: str
    context_window: int | None
    supports_vision: bool


def _brief(user: User) -> UserBrief:
    return UserBrief(id=user.id, name=user.name or user.username, email=user.email)


def _token_out(token: AccessToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        abilities=list(token.abilities),
        last_used_at=iso(token.last_used_at),
        created_at=iso(token.created_at),
        expires_at=iso(token.expires_at),
    )


def _new_token_out(issued: IssuedToken) -> NewTokenOut:
    return NewTokenOut(
        id=issued.token.id,
        name=issued.token.name,
        token=issued.plaintext,
        token_type=BEARER,
        abilities=list(issued.token.abilities),
        expires_at=iso(issued.token.expires_at),
    )


class V1AuthController(Controller):
    path = "/api/v1/auth"
    response_headers = HEADERS
    tags = ["v1 auth"]

    @post("/login", status_code=200, responses=errors(401, authenticated=False))
    async def login(
        self, request: Request[Any, Any, Any], data: JSONBody[LoginBody]
    ) -> Envelope[LoginOut]:
        """A token for this device. ``email`` takes the username too."""
        user, issued = await services_of(request).tokens.login(
            data.email, data.password, data.device_name, client_info(request)
        )
        return Envelope(data=LoginOut(token=issued.plaintext, token_type=BEARER, user=_brief(user)))

    @post(
        "/logout", status_code=204, dependencies={"user": Provide(v1_user)}, responses=errors(409)
    )
    async def logout(self, request: Request[Any, Any, Any], user: AuthUser) -> None:
        """Revoke the token this request came with."""
        await services_of(request).tokens.revoke(user, token_of(request).id)

    @post("/token", status_code=201, dependencies={"user": Provide(v1_user)}, responses=errors(409))
    async def issue(
        self, request: Request[Any, Any, Any], user: AuthUser, data: JSONBody[TokenBody]
    ) -> Envelope[NewTokenOut]:
        """A named token; its secret is shown in this answer only."""
        issued = await services_of(request).tokens.issue(
            user, data.name, tuple(data.abilities), data.expires_in_days
        )
        return Envelope(data=_new_token_out(issued))

    @get("/tokens", dependencies={"user": Provide(v1_user)}, responses=errors())
    async def list_tokens(
        self, request: Request[Any, Any, Any], user: AuthUser
    ) -> Envelope[list[TokenOut]]:
        tokens = await services_of(request).tokens.list_tokens(user)
        return Envelope(data=[_token_out(t) for t in tokens])

    @delete(
        "/tokens/{token_id:int}",
        status_code=204,
        dependencies={"user": Provide(v1_user)},
        responses=errors(404),
    )
    async def revoke(
        self, request: Request[Any, Any, Any], user: AuthUser, token_id: FromPath[int]
    ) -> None:
        await services_of(request).tokens.revoke(user, token_id)

    @get("/me", dependencies={"user": Provide(v1_user)}, responses=errors())
    async def me(self, request: Request[Any, Any, Any], user: AuthUser) -> Envelope[MeOut]:
        """Who the token belongs to; ``flags.has_credentials``: whether any model can
        answer this user now."""
        usable = await services_of(request).models.has_usable(user)
        return Envelope(
            data=MeOut(
                id=user.id,
                name=user.name or user.username,
                username=user.username,
                email=user.email,
                role=user.role.value,
                created_at=iso(user.created_at),
                flags=Flags(has_credentials=usable),
            )
        )


class V1ModelsController(Controller):
    path = "/api/v1/models"
    response_headers = HEADERS
    tags = ["v1 models"]
    dependencies = {"user": Provide(v1_user)}

    @get("/", responses=errors())
    async def list_models(
        self, request: Request[Any, Any, Any], user: AuthUser
    ) -> Envelope[list[ModelOut]]:
        """The models this user can use now; ``id`` is what ``model`` takes. Those
        of the user's own keys come as ``<provider>:<model>``: their key, their bill."""
        services = services_of(request)
        shared = await services.models.list_enabled()
        own = await services.credentials.own_models(user)
        return Envelope(
            data=[_model_out(c, c.model.model_id) for c in shared]
            + [_model_out(c, f"{c.provider.name}:{c.model.model_id}") for c in own]
        )


def _model_out(choice: ModelChoice, model_id: str) -> ModelOut:
    return ModelOut(
        id=model_id,
        name=choice.model.display_name,
        provider=choice.provider.name,
        context_window=choice.model.context_window,
        supports_vision=choice.model.supports_vision,
    )
