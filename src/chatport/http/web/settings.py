"""``/api/preferences`` and ``/api/tokens``: the user's own settings and their
personal access tokens for the v1 API, for the web page's settings."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post, put
from litestar.di import Provide
from litestar.params import FromPath, JSONBody

from chatport.domain.preferences import Preferences, Theme
from chatport.domain.tokens import TOKEN_NAME_MAX, AccessToken
from chatport.http.auth import AuthUser, current_user, services_of
from chatport.http.web.shapes import Success, ms_of
from chatport.services.preferences import PreferencesChange
from chatport.services.tokens import ABILITY_MAX, EXPIRY_DAYS_MAX

Unset = msgspec.UnsetType


class PreferencesBody(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, rename="camel"
):
    default_model: Annotated[str, msgspec.Meta(max_length=300)] | Unset | None = msgspec.UNSET
    system_prompt: Annotated[str, msgspec.Meta(max_length=20_000)] | Unset | None = msgspec.UNSET
    theme: Theme | Unset = msgspec.UNSET
    language: Annotated[str, msgspec.Meta(max_length=35)] | Unset | None = msgspec.UNSET
    dictation_language: Annotated[str, msgspec.Meta(max_length=10)] | Unset = msgspec.UNSET
    send_on_enter: bool | Unset = msgspec.UNSET


class PreferencesOut(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    default_model: str | None
    system_prompt: str | None
    theme: str
    language: str | None
    dictation_language: str
    send_on_enter: bool
    updated_at: int | None


class PreferencesEnvelope(msgspec.Struct, frozen=True, kw_only=True):
    preferences: PreferencesOut


def _preferences_out(prefs: Preferences) -> PreferencesEnvelope:
    return PreferencesEnvelope(
        preferences=PreferencesOut(
            default_model=prefs.default_model,
            system_prompt=prefs.system_prompt,
            theme=prefs.theme.value,
            language=prefs.language,
            dictation_language=prefs.dictation_language,
            send_on_enter=prefs.send_on_enter,
            updated_at=ms_of(prefs.updated_at) if prefs.updated_at else None,
        )
    )


class PreferencesController(Controller):
    path = "/api/preferences"
    tags = ["settings"]
    dependencies = {"user": Provide(current_user)}

    @get("/")
    async def get_preferences(
        self, request: Request[Any, Any, Any], user: AuthUser
    ) -> PreferencesEnvelope:
        return _preferences_out(await services_of(request).preferences.get(user))

    @put("/")
    async def put_preferences(
        self, request: Request[Any, Any, Any], user: AuthUser, data: JSONBody[PreferencesBody]
    ) -> PreferencesEnvelope:
        """Merge the fields given; the others stay. The same rules as v1's."""
        change = PreferencesChange(**msgspec.structs.asdict(data))
        return _preferences_out(await services_of(request).preferences.update(user, change))


class TokenBody(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, rename="camel"
):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=TOKEN_NAME_MAX)]
    abilities: Annotated[
        list[Annotated[str, msgspec.Meta(min_length=1, max_length=ABILITY_MAX)]],
        msgspec.Meta(min_length=1, max_length=20),
    ] = msgspec.field(default_factory=lambda: ["*"])
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=EXPIRY_DAYS_MAX)] | None = None


class TokenOut(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: int
    name: str
    abilities: list[str]
    last_used_at: int | None
    created_at: int
    expires_at: int | None


class TokenList(msgspec.Struct, frozen=True, kw_only=True):
    tokens: list[TokenOut]


class NewToken(msgspec.Struct, frozen=True, kw_only=True):
    token: TokenOut
    secret: str  # "<id>|<secret>", shown in this answer only


def _token_out(token: AccessToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        abilities=list(token.abilities),
        last_used_at=ms_of(token.last_used_at) if token.last_used_at else None,
        created_at=ms_of(token.created_at),
        expires_at=ms_of(token.expires_at) if token.expires_at else None,
    )


class TokensController(Controller):
    path = "/api/tokens"
    tags = ["settings"]
    dependencies = {"user": Provide(current_user)}

    @get("/")
    async def list_tokens(self, request: Request[Any, Any, Any], user: AuthUser) -> TokenList:
        tokens = await services_of(request).tokens.list_tokens(user)
        return TokenList(tokens=[_token_out(t) for t in tokens])

    @post("/", status_code=201)
    async def create_token(
        self, request: Request[Any, Any, Any], user: AuthUser, data: JSONBody[TokenBody]
    ) -> NewToken:
        """A token for the v1 API (an app, a script); its secret is shown once."""
        issued = await services_of(request).tokens.issue(
            user, data.name, tuple(data.abilities), data.expires_in_days
        )
        return NewToken(token=_token_out(issued.token), secret=issued.plaintext)

    @delete("/{token_id:int}", status_code=200)
    async def revoke_token(
        self, request: Request[Any, Any, Any], user: AuthUser, token_id: FromPath[int]
    ) -> Success:
        await services_of(request).tokens.revoke(user, token_id)
        return Success()
