"""``/api/v1/preferences``: read them, and merge a change (unknown fields: 422)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, put
from litestar.di import Provide
from litestar.params import JSONBody

from chatport.domain.preferences import Preferences, Theme
from chatport.http.auth import AuthUser, services_of
from chatport.http.v1.auth import v1_user
from chatport.http.v1.docs import HEADERS, errors
from chatport.http.v1.envelope import Envelope, iso
from chatport.services.preferences import PreferencesChange

Text = Annotated[str, msgspec.Meta(max_length=20_000)]


class PreferencesBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    default_model: Annotated[str, msgspec.Meta(max_length=300)] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )
    system_prompt: Text | msgspec.UnsetType | None = msgspec.UNSET
    theme: Theme | msgspec.UnsetType = msgspec.UNSET
    language: Annotated[str, msgspec.Meta(max_length=35)] | msgspec.UnsetType | None = msgspec.UNSET
    dictation_language: Annotated[str, msgspec.Meta(max_length=10)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    send_on_enter: bool | msgspec.UnsetType = msgspec.UNSET


class PreferencesOut(msgspec.Struct, frozen=True, kw_only=True):
    default_model: str | None
    system_prompt: str | None
    theme: str
    language: str | None
    dictation_language: str
    send_on_enter: bool
    updated_at: str | None


def _out(prefs: Preferences) -> PreferencesOut:
    return PreferencesOut(
        default_model=prefs.default_model,
        system_prompt=prefs.system_prompt,
        theme=prefs.theme.value,
        language=prefs.language,
        dictation_language=prefs.dictation_language,
        send_on_enter=prefs.send_on_enter,
        updated_at=iso(prefs.updated_at),
    )


class V1PreferencesController(Controller):
    path = "/api/v1/preferences"
    response_headers = HEADERS
    tags = ["v1 preferences"]
    dependencies = {"user": Provide(v1_user)}

    @get("/", responses=errors())
    async def get_preferences(
        self, request: Request[Any, Any, Any], user: AuthUser
    ) -> Envelope[PreferencesOut]:
        return Envelope(data=_out(await services_of(request).preferences.get(user)))

    @put("/", responses=errors(409))
    async def put_preferences(
        self, request: Request[Any, Any, Any], user: AuthUser, data: JSONBody[PreferencesBody]
    ) -> Envelope[PreferencesOut]:
        """Merge the fields given; the others stay."""
        change = PreferencesChange(**msgspec.structs.asdict(data))
        return Envelope(data=_out(await services_of(request).preferences.update(user, change)))
