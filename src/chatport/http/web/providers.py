"""``/api/admin/providers`` and ``/api/admin/models``: the admin's catalogue; and
``/api/models``: what users may pick. Keys go in, never out."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post, put
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, JSONBody

from chatport.domain.providers import PROVIDER_NAME_MAX, ModelType
from chatport.http.auth import AuthUser, client_info, current_admin, current_user, services_of
from chatport.http.web.catalog import (
    AdminModelEnvelope,
    AdminModelList,
    AvailableKind,
    AvailableList,
    CountOut,
    ModelList,
    ProviderEnvelope,
    ProviderList,
    RefreshOut,
    admin_model_out,
    model_out,
    provider_out,
)
from chatport.http.web.shapes import Success
from chatport.services.models import DISPLAY_NAME_MAX, MODEL_ID_MAX, ModelChange
from chatport.services.providers import KEY_MAX, ProviderChange, available_kinds

Url = Annotated[str, msgspec.Meta(max_length=2000)]
Key = Annotated[str, msgspec.Meta(max_length=KEY_MAX)]
DisplayName = Annotated[str, msgspec.Meta(max_length=DISPLAY_NAME_MAX)]


class CreateProviderBody(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=PROVIDER_NAME_MAX)]
    display_name: DisplayName | None = None
    provider_type: Annotated[str, msgspec.Meta(max_length=50)] | None = None
    base_url: Url | None = None
    api_key: Key | None = None


class UpdateProviderBody(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    display_name: DisplayName | msgspec.UnsetType = msgspec.UNSET
    base_url: Url | msgspec.UnsetType = msgspec.UNSET
    api_key: Key | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET


class EnableBody(msgspec.Struct, frozen=True, kw_only=True):
    enabled: bool


class CreateModelBody(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    provider_id: int
    model_id: Annotated[str, msgspec.Meta(min_length=1, max_length=MODEL_ID_MAX)]
    display_name: DisplayName | None = None


class UpdateModelBody(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    display_name: DisplayName | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET
    is_default: bool | msgspec.UnsetType = msgspec.UNSET
    supports_vision: bool | msgspec.UnsetType = msgspec.UNSET


class ModelsController(Controller):
    path = "/api/models"
    tags = ["models"]
    dependencies = {"user": Provide(current_user)}

    @get("/")
    async def list_models(
        self,
        request: Request[Any, Any, Any],
        user: AuthUser,
        type: FromQuery[ModelType | None] = None,
    ) -> ModelList:
        """Enabled models of enabled providers, the default first; then those of the
        user's own keys, as ``<provider>:<model>`` (their id is 0: not in the catalogue)."""
        services = services_of(request)
        choices = await services.models.list_enabled(type)
        own = await services.credentials.own_models(user)
        own = [c for c in own if type is None or c.model.model_type is type]
        return ModelList(
            models=[model_out(c) for c in choices]
            + [model_out(c, model_id=f"{c.provider.name}:{c.model.model_id}") for c in own]
        )


class AdminProvidersController(Controller):
    path = "/api/admin/providers"
    tags = ["admin"]
    dependencies = {"user": Provide(current_user), "admin": Provide(current_admin)}

    @get("/")
    async def list_providers(
        self, request: Request[Any, Any, Any], admin: AuthUser
    ) -> ProviderList:
        views = await services_of(request).providers.list_providers()
        return ProviderList(providers=[provider_out(v) for v in views])

    @get("/available")
    async def available(self, admin: AuthUser) -> AvailableList:
        return AvailableList(
            providers=[
                AvailableKind(
                    name=kind.value, display_name=name, base_url=url, needs_key=kind.needs_key
                )
                for kind, name, url in available_kinds()
            ]
        )

    @post("/", status_code=201)
    async def create_provider(
        self, request: Request[Any, Any, Any], admin: AuthUser, data: JSONBody[CreateProviderBody]
    ) -> ProviderEnvelope:
        """Checks the provider by fetching its models; nothing is stored when that fails."""
        view = await services_of(request).providers.create(
            admin,
            name=data.name,
            provider_type=data.provider_type,
            display_name=data.display_name,
            base_url=data.base_url,
            api_key=data.api_key,
            client=client_info(request),
        )
        return ProviderEnvelope(provider=provider_out(view))

    @put("/{provider_id:int}")
    async def update_provider(
        self,
        request: Request[Any, Any, Any],
        admin: AuthUser,
        provider_id: FromPath[int],
        data: JSONBody[UpdateProviderBody],
    ) -> ProviderEnvelope:
        """An empty ``apiKey`` removes the key."""
        change = ProviderChange(
            display_name=data.display_name,
            base_url=data.base_url,
            api_key=data.api_key,
            enabled=data.enabled,
        )
        view = await services_of(request).providers.update(
            admin, provider_id, change, client_info(request)
        )
        return ProviderEnvelope(provider=provider_out(view))

    @delete("/{provider_id:int}", status_code=200)
    async def delete_provider(
        self, request: Request[Any, Any, Any], admin: AuthUser, provider_id: FromPath[int]
    ) -> Success:
        await services_of(request).providers.delete(admin, provider_id, client_info(request))
        return Success()

    @post("/{provider_id:int}/refresh-models", status_code=200)
    async def refresh_models(
        self, request: Request[Any, Any, Any], admin: AuthUser, provider_id: FromPath[int]
    ) -> RefreshOut:
        count = await services_of(request).providers.refresh_models(
            admin, provider_id, client_info(request)
        )
        return RefreshOut(success=True, model_count=count)

    @post("/{provider_id:int}/models/enable", status_code=200)
    async def enable_models(
        self,
        request: Request[Any, Any, Any],
        admin: AuthUser,
        provider_id: FromPath[int],
        data: JSONBody[EnableBody],
    ) -> CountOut:
        updated = await services_of(request).providers.enable_models(provider_id, data.enabled)
        return CountOut(success=True, updated=updated)


class AdminModelsController(Controller):
    path = "/api/admin/models"
    tags = ["admin"]
    dependencies = {"user": Provide(current_user), "admin": Provide(current_admin)}

    @get("/")
    async def list_models(self, request: Request[Any, Any, Any], admin: AuthUser) -> AdminModelList:
        found = await services_of(request).models.list_all()
        return AdminModelList(models=[admin_model_out(m) for m in found])

    @post("/", status_code=201)
    async def create_model(
        self, request: Request[Any, Any, Any], admin: AuthUser, data: JSONBody[CreateModelBody]
    ) -> AdminModelEnvelope:
        """A model the provider does not list, by its id."""
        found = await services_of(request).models.create(
            admin, client_info(request), data.provider_id, data.model_id, data.display_name
        )
        return AdminModelEnvelope(model=admin_model_out(found))

    @get("/{model_pk:int}")
    async def get_model(
        self, request: Request[Any, Any, Any], admin: AuthUser, model_pk: FromPath[int]
    ) -> AdminModelEnvelope:
        return AdminModelEnvelope(
            model=admin_model_out(await services_of(request).models.get(model_pk))
        )

    @put("/{model_pk:int}")
    async def update_model(
        self,
        request: Request[Any, Any, Any],
        admin: AuthUser,
        model_pk: FromPath[int],
        data: JSONBody[UpdateModelBody],
    ) -> AdminModelEnvelope:
        change = ModelChange(**msgspec.structs.asdict(data))
        found = await services_of(request).models.update(
            admin, client_info(request), model_pk, change
        )
        return AdminModelEnvelope(model=admin_model_out(found))

    @put("/{model_pk:int}/default")
    async def set_default(
        self, request: Request[Any, Any, Any], admin: AuthUser, model_pk: FromPath[int]
    ) -> AdminModelEnvelope:
        found = await services_of(request).models.set_default(admin, client_info(request), model_pk)
        return AdminModelEnvelope(model=admin_model_out(found))

    @delete("/{model_pk:int}", status_code=200)
    async def delete_model(
        self, request: Request[Any, Any, Any], admin: AuthUser, model_pk: FromPath[int]
    ) -> Success:
        await services_of(request).models.delete(admin, client_info(request), model_pk)
        return Success()
