"""Admin of providers: add, change, remove, and sync their models."""

from __future__ import annotations

import itertools

import msgspec

from chatport.domain.audit import AuditAction, AuditEntry
from chatport.domain.errors import AlreadyExists, FieldProblem, InvalidInput, NotFound
from chatport.domain.providers import (
    DEFAULT_BASE_URLS,
    DISPLAY_NAMES,
    ModelType,
    NewModel,
    NewProvider,
    Provider,
    ProviderKind,
    RemoteModel,
    check_base_url,
    check_provider_name,
    kind_for,
    likely_vision,
)
from chatport.domain.users import ClientInfo, User
from chatport.ports.clock import Clock
from chatport.ports.llm import LLMGateway, ProviderEndpoint
from chatport.ports.repositories import Storage, UnitOfWork
from chatport.ports.security import SecretBox

PROVIDER_NOT_FOUND = "Provider not found"
KEY_MAX = 500


class ProviderView(msgspec.Struct, frozen=True, kw_only=True):
    provider: Provider
    model_count: int


class ProviderChange(msgspec.Struct, frozen=True, kw_only=True):
    """Fields an admin may change; ``UNSET`` leaves one as it is. An empty
    ``api_key`` removes the key."""

    display_name: str | msgspec.UnsetType = msgspec.UNSET
    base_url: str | msgspec.UnsetType = msgspec.UNSET
    api_key: str | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET


class ProviderService:
    """Rules (the caller is an admin; the door checks the role):
    - a provider's models are fetched from it when it is added: one that cannot be
      reached, or refuses the key, is not stored;
    - hosted services need a key; it is stored sealed and never shown;
    - a model sync keeps what the admin set (enabled, default, display name) and
      adds new models enabled; the first text model becomes the default when
      there is none;
    - every change goes to the audit log, never with the key.
    """

    def __init__(self, storage: Storage, gateway: LLMGateway, box: SecretBox, clock: Clock) -> None:
        self._storage = storage
        self._gateway = gateway
        self._box = box
        self._clock = clock
        self._probe_ids = itertools.count(-1, -1)

    def endpoint(self, provider: Provider) -> ProviderEndpoint:
        """How to reach the provider, its key unsealed (in memory only)."""
        key = self._box.open(provider.api_key_ciphertext) if provider.api_key_ciphertext else None
        return ProviderEndpoint(
            provider_id=provider.id,
            protocol=provider.kind.protocol,
            base_url=provider.base_url,
            api_key=key,
        )

    async def list_providers(self) -> list[ProviderView]:
        async with self._storage.read() as uow:
            providers = await uow.providers.list_all()
            counts = await uow.providers.model_counts()
        return [ProviderView(provider=p, model_count=counts.get(p.id, 0)) for p in providers]

    async def create(
        self,
        admin: User,
        *,
        name: str,
        client: ClientInfo,
        provider_type: str | None = None,
        display_name: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
    ) -> ProviderView:
        name = check_provider_name(name.strip().lower())
        kind = kind_for(name, provider_type)
        url = _base_url_for(kind, base_url)
        key = _check_key(kind, api_key or None)
        # A provider not yet stored has no id: the probe's client gets a unique
        # negative one, so probes running at once never share or close each other's.
        probe = ProviderEndpoint(
            provider_id=next(self._probe_ids), protocol=kind.protocol, base_url=url, api_key=key
        )
        try:
            remote = await self._gateway.client_for(probe).list_models()
        finally:
            await self._gateway.forget(probe.provider_id)
        async with self._storage.write() as uow:
            try:
                provider = await uow.providers.add(
                    NewProvider(
                        name=name,
                        display_name=(display_name or "").strip() or DISPLAY_NAMES[kind],
                        kind=kind,
                        base_url=url,
                        enabled=True,
                        created_at=self._clock.now(),
                        api_key_ciphertext=self._box.seal(key) if key else None,
                    )
                )
            except AlreadyExists as exc:
                raise InvalidInput(f"A provider named {name} already exists") from exc
            count = await self._sync(uow, provider, remote)
            await self._audit(uow, admin, AuditAction.PROVIDER_CREATED, provider, client)
        return ProviderView(provider=provider, model_count=count)

    async def update(
        self, admin: User, provider_id: int, change: ProviderChange, client: ClientInfo
    ) -> ProviderView:
        async with self._storage.write() as uow:
            provider = await _existing(uow, provider_id)
            updated = provider
            if isinstance(change.display_name, str) and change.display_name.strip():
                updated = msgspec.structs.replace(updated, display_name=change.display_name.strip())
            if isinstance(change.base_url, str) and provider.kind is not ProviderKind.ECHO:
                updated = msgspec.structs.replace(updated, base_url=check_base_url(change.base_url))
            if isinstance(change.enabled, bool):
                updated = msgspec.structs.replace(updated, enabled=change.enabled)
            key_changed = isinstance(change.api_key, str)
            if isinstance(change.api_key, str):
                key = _check_key(provider.kind, change.api_key or None)
                updated = msgspec.structs.replace(
                    updated, api_key_ciphertext=self._box.seal(key) if key else None
                )
            await uow.providers.save(updated)
            action = AuditAction.API_KEY_CHANGED if key_changed else AuditAction.PROVIDER_UPDATED
            await self._audit(uow, admin, action, updated, client)
            count = (await uow.providers.model_counts()).get(provider_id, 0)
        await self._gateway.forget(provider_id)
        return ProviderView(provider=updated, model_count=count)

    async def delete(self, admin: User, provider_id: int, client: ClientInfo) -> None:
        async with self._storage.write() as uow:
            provider = await _existing(uow, provider_id)
            await uow.providers.delete(provider_id)
            await self._audit(uow, admin, AuditAction.PROVIDER_DELETED, provider, client)
        await self._gateway.forget(provider_id)

    async def refresh_models(self, admin: User, provider_id: int, client: ClientInfo) -> int:
        """Fetch the provider's model list and merge it in; return how many it has."""
        async with self._storage.read() as uow:
            provider = await _existing(uow, provider_id)
        remote = await self._gateway.client_for(self.endpoint(provider)).list_models()
        async with self._storage.write() as uow:
            await _existing(uow, provider_id)
            count = await self._sync(uow, provider, remote)
            await self._audit(uow, admin, AuditAction.MODELS_REFRESHED, provider, client)
        return count

    async def enable_models(self, provider_id: int, enabled: bool) -> int:
        async with self._storage.write() as uow:
            await _existing(uow, provider_id)
            return await uow.models.set_enabled_for_provider(provider_id, enabled)

    async def ensure_demo(self) -> bool:
        """Add the offline demo provider when no provider exists; True if added."""
        async with self._storage.write() as uow:
            if await uow.providers.list_all():
                return False
            provider = await uow.providers.add(
                NewProvider(
                    name="demo",
                    display_name=DISPLAY_NAMES[ProviderKind.ECHO],
                    kind=ProviderKind.ECHO,
                    base_url=DEFAULT_BASE_URLS[ProviderKind.ECHO],
                    enabled=True,
                    created_at=self._clock.now(),
                )
            )
        remote = await self._gateway.client_for(self.endpoint(provider)).list_models()
        async with self._storage.write() as uow:
            await self._sync(uow, provider, remote)
        return True

    async def _sync(self, uow: UnitOfWork, provider: Provider, remote: list[RemoteModel]) -> int:
        known = {m.model_id: m for m in await uow.models.list_all(provider.id)}
        has_default = any(c.model.is_default for c in await uow.models.list_enabled())
        now = self._clock.now()
        for item in remote:
            model = known.get(item.model_id)
            if model is None:
                model = await uow.models.add(
                    NewModel(
                        provider_id=provider.id,
                        model_id=item.model_id,
                        display_name=item.display_name or item.model_id,
                        enabled=True,
                        created_at=now,
                        model_type=item.model_type,
                        context_window=item.context_window,
                        supports_vision=item.supports_vision or likely_vision(item.model_id),
                    )
                )
                known[item.model_id] = model
            elif item.context_window and item.context_window != model.context_window:
                await uow.models.save(
                    msgspec.structs.replace(model, context_window=item.context_window)
                )
            if not has_default and model.enabled and model.model_type is ModelType.TEXT:
                await uow.models.set_default(model.id)
                has_default = True
        return len(known)

    async def _audit(
        self,
        uow: UnitOfWork,
        admin: User,
        action: AuditAction,
        provider: Provider,
        client: ClientInfo,
    ) -> None:
        await uow.audit.add(
            AuditEntry(
                action=action,
                created_at=self._clock.now(),
                user_id=admin.id,
                target=f"provider:{provider.id}",
                ip=client.ip,
                detail=provider.name,
            )
        )


def available_kinds() -> list[tuple[ProviderKind, str, str]]:
    """The kinds chatport speaks: kind, display name, default base URL."""
    return [(kind, DISPLAY_NAMES[kind], DEFAULT_BASE_URLS[kind]) for kind in ProviderKind]


async def _existing(uow: UnitOfWork, provider_id: int) -> Provider:
    provider = await uow.providers.get(provider_id)
    if provider is None or provider.owner_user_id is not None:
        raise NotFound(PROVIDER_NOT_FOUND)
    return provider


def _base_url_for(kind: ProviderKind, base_url: str | None) -> str:
    if kind is ProviderKind.ECHO:
        return DEFAULT_BASE_URLS[kind]
    if base_url:
        return check_base_url(base_url)
    if kind is ProviderKind.OPENAI_COMPATIBLE:
        raise InvalidInput(
            "Invalid input",
            (
                FieldProblem(
                    "missing", "An OpenAI-compatible server needs a base URL", ("baseUrl",)
                ),
            ),
        )
    return DEFAULT_BASE_URLS[kind]


def _check_key(kind: ProviderKind, key: str | None) -> str | None:
    key = key.strip() if key else None
    if key and len(key) > KEY_MAX:
        raise InvalidInput(
            "Invalid input",
            (
                FieldProblem(
                    "too_long", f"API key must be at most {KEY_MAX} characters", ("apiKey",)
                ),
            ),
        )
    if not key and kind.needs_key:
        raise InvalidInput(
            "Invalid input",
            (FieldProblem("missing", f"{DISPLAY_NAMES[kind]} needs an API key", ("apiKey",)),),
        )
    return key
