"""Shapes of providers and models on the web API (Faster Chat's snake_case)."""

from __future__ import annotations

from typing import Any

import msgspec

from chatport.domain.providers import Model, ModelChoice, Provider
from chatport.http.web.shapes import ms_of
from chatport.services.models import AdminModel
from chatport.services.providers import ProviderView


class ProviderOut(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    display_name: str
    provider_type: str
    base_url: str
    enabled: bool
    has_key: bool
    model_count: int
    created_at: int


class ProviderEnvelope(msgspec.Struct, frozen=True, kw_only=True):
    provider: ProviderOut


class ProviderList(msgspec.Struct, frozen=True, kw_only=True):
    providers: list[ProviderOut]


class AvailableKind(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    display_name: str
    base_url: str
    needs_key: bool


class AvailableList(msgspec.Struct, frozen=True, kw_only=True):
    providers: list[AvailableKind]


class RefreshOut(msgspec.Struct, frozen=True, kw_only=True):
    success: bool
    model_count: int


class CountOut(msgspec.Struct, frozen=True, kw_only=True):
    success: bool
    updated: int


class ModelOut(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    model_id: str
    display_name: str
    model_type: str
    provider: str
    provider_display_name: str
    is_default: bool
    metadata: dict[str, Any]


class ModelList(msgspec.Struct, frozen=True, kw_only=True):
    models: list[ModelOut]


class AdminModelOut(ModelOut, frozen=True, kw_only=True):
    provider_id: int
    enabled: bool
    created_at: int


class AdminModelEnvelope(msgspec.Struct, frozen=True, kw_only=True):
    model: AdminModelOut


class AdminModelList(msgspec.Struct, frozen=True, kw_only=True):
    models: list[AdminModelOut]


def provider_out(view: ProviderView) -> ProviderOut:
    p = view.provider
    return ProviderOut(
        id=p.id,
        name=p.name,
        display_name=p.display_name,
        provider_type=p.kind.value,
        base_url=p.base_url,
        enabled=p.enabled,
        has_key=p.has_key,
        model_count=view.model_count,
        created_at=ms_of(p.created_at),
    )


def _metadata(model: Model) -> dict[str, Any]:
    return {
        "context_window": model.context_window,
        "supports_vision": model.supports_vision,
        "supports_tools": model.supports_tools,
    }


def model_out(choice: ModelChoice, model_id: str | None = None) -> ModelOut:
    fields = _model_fields(choice.model, choice.provider)
    return ModelOut(**(fields | ({"model_id": model_id} if model_id else {})))


def admin_model_out(found: AdminModel) -> AdminModelOut:
    m = found.model
    return AdminModelOut(
        **_model_fields(m, found.provider),
        provider_id=m.provider_id,
        enabled=m.enabled,
        created_at=ms_of(m.created_at),
    )


def _model_fields(model: Model, provider: Provider) -> dict[str, Any]:
    return {
        "id": model.id,
        "model_id": model.model_id,
        "display_name": model.display_name,
        "model_type": model.model_type.value,
        "provider": provider.name,
        "provider_display_name": provider.display_name,
        "is_default": model.is_default,
        "metadata": _metadata(model),
    }
