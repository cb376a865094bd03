"""Models: what users may pick, how a request's ``model`` is resolved, and the
admin's changes to the catalogue."""

from __future__ import annotations

import msgspec

from chatport.domain.audit import AuditAction, AuditEntry
from chatport.domain.errors import AlreadyExists, FieldProblem, InvalidInput, NotFound
from chatport.domain.providers import (
    Model,
    ModelChoice,
    ModelType,
    NewModel,
    Provider,
    ProviderKind,
    RemoteModel,
    on_own_key,
    own_key_for,
    split_model_ref,
)
from chatport.domain.users import ClientInfo, User
from chatport.ports.clock import Clock
from chatport.ports.repositories import Storage, UnitOfWork

MODEL_NOT_FOUND = "Model not found"
MODEL_ID_MAX = 200
DISPLAY_NAME_MAX = 100


class AdminModel(msgspec.Struct, frozen=True, kw_only=True):
    model: Model
    provider: Provider


class ModelChange(msgspec.Struct, frozen=True, kw_only=True):
    display_name: str | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET
    is_default: bool | msgspec.UnsetType = msgspec.UNSET
    supports_vision: bool | msgspec.UnsetType = msgspec.UNSET


class ModelService:
    """Rules: users see enabled models of enabled providers only; a bare model id
    that several providers offer resolves to the default among them, else the first
    provider's, and ``<provider name>:<model id>`` picks one; at most one default
    per model type; every admin change goes to the audit log."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def list_enabled(self, model_type: ModelType | None = None) -> list[ModelChoice]:
        async with self._storage.read() as uow:
            return await uow.models.list_enabled(model_type)

    async def has_usable(self, user: User) -> bool:
        """Whether the user can chat with some model: an enabled model of an enabled
        admin-wide provider, or a provider key of their own."""
        async with self._storage.read() as uow:
            if await uow.models.list_enabled():
                return True
            return bool(await uow.providers.list_all(user.id))

    async def resolve(self, ref: str, user: User | None = None) -> ModelChoice:
        """The model a request names; InvalidInput when there is none.

        A user's own key comes first when the ref names its kind (``openai:gpt-4o``):
        their key, their bill. Then the catalogue. A bare id the catalogue lacks goes
        to the user's own key that fits it (their models are not synced).
        """
        provider_name, bare = split_model_ref(ref)
        async with self._storage.read() as uow:
            # The user's keys are read only when they may matter: a named provider,
            # or an id the catalogue lacks (a bare catalogue id costs no query more).
            own: dict[ProviderKind, Provider] = {}
            if user is not None and provider_name is not None:
                own = await _own_keys(uow, user)
                named = next((p for p in own.values() if p.name == provider_name), None)
                if named is not None:
                    return on_own_key(named, RemoteModel(model_id=bare))
            choices = await uow.models.find_enabled(ref)
            if not choices and provider_name is not None:
                found = await uow.models.find_enabled(bare)
                choices = [c for c in found if c.provider.name == provider_name]
            if not choices and user is not None and provider_name is None:
                own = await _own_keys(uow, user)
        if choices:
            return next((c for c in choices if c.model.is_default), choices[0])
        kind = own_key_for(ref, set(own))
        if kind is not None:
            return on_own_key(own[kind], RemoteModel(model_id=ref))
        raise InvalidInput(
            f"Model {ref} is disabled or not registered",
            (FieldProblem("invalid_enum_value", "Unknown or disabled model", ("model",)),),
        )

    async def list_all(self) -> list[AdminModel]:
        async with self._storage.read() as uow:
            providers = {p.id: p for p in await uow.providers.list_all()}
            models = await uow.models.list_all()
        return [
            AdminModel(model=m, provider=providers[m.provider_id])
            for m in models
            if m.provider_id in providers
        ]

    async def get(self, model_pk: int) -> AdminModel:
        async with self._storage.read() as uow:
            return await _existing(uow, model_pk)

    async def create(
        self,
        admin: User,
        client: ClientInfo,
        provider_id: int,
        model_id: str,
        display_name: str | None = None,
    ) -> AdminModel:
        """A model the provider does not list (a fine-tune, a private deployment)."""
        model_id = model_id.strip()
        if not 1 <= len(model_id) <= MODEL_ID_MAX:
            raise _invalid("modelId", f"Model id must be 1 to {MODEL_ID_MAX} characters")
        async with self._storage.write() as uow:
            provider = await uow.providers.get(provider_id)
            if provider is None or provider.owner_user_id is not None:
                raise NotFound("Provider not found")
            try:
                model = await uow.models.add(
                    NewModel(
                        provider_id=provider_id,
                        model_id=model_id,
                        display_name=_display_name(display_name) or model_id,
                        enabled=True,
                        created_at=self._clock.now(),
                    )
                )
            except AlreadyExists as exc:
                raise InvalidInput(f"{provider.name} already has a model {model_id}") from exc
            await self._audit(uow, admin, client, AuditAction.MODEL_CHANGED, model, "created")
        return AdminModel(model=model, provider=provider)

    async def update(
        self, admin: User, client: ClientInfo, model_pk: int, change: ModelChange
    ) -> AdminModel:
        async with self._storage.write() as uow:
            found = await _existing(uow, model_pk)
            model = found.model
            if isinstance(change.display_name, str):
                name = _display_name(change.display_name)
                if not name:
                    raise _invalid("displayName", "Display name must not be empty")
                model = msgspec.structs.replace(model, display_name=name)
            if isinstance(change.enabled, bool):
                model = msgspec.structs.replace(model, enabled=change.enabled)
            if isinstance(change.supports_vision, bool):
                model = msgspec.structs.replace(model, supports_vision=change.supports_vision)
            await uow.models.save(model)
            if change.is_default is True:
                await uow.models.set_default(model_pk)
                model = msgspec.structs.replace(model, is_default=True)
            elif change.is_default is False and model.is_default:
                raise _invalid("isDefault", "Choose another default model instead")
            await self._audit(uow, admin, client, AuditAction.MODEL_CHANGED, model, "changed")
        return AdminModel(model=model, provider=found.provider)

    async def set_default(self, admin: User, client: ClientInfo, model_pk: int) -> AdminModel:
        return await self.update(admin, client, model_pk, ModelChange(is_default=True))

    async def delete(self, admin: User, client: ClientInfo, model_pk: int) -> None:
        async with self._storage.write() as uow:
            found = await _existing(uow, model_pk)
            await uow.models.delete(model_pk)
            await self._audit(uow, admin, client, AuditAction.MODEL_DELETED, found.model, "")

    async def _audit(
        self,
        uow: UnitOfWork,
        admin: User,
        client: ClientInfo,
        action: AuditAction,
        model: Model,
        what: str,
    ) -> None:
        await uow.audit.add(
            AuditEntry(
                action=action,
                created_at=self._clock.now(),
                user_id=admin.id,
                target=f"model:{model.id}",
                ip=client.ip,
                detail=f"{model.model_id} {what}".strip(),
            )
        )


async def _own_keys(uow: UnitOfWork, user: User) -> dict[ProviderKind, Provider]:
    return {p.kind: p for p in await uow.providers.list_all(user.id) if p.enabled}


async def _existing(uow: UnitOfWork, model_pk: int) -> AdminModel:
    model = await uow.models.get(model_pk)
    provider = None if model is None else await uow.providers.get(model.provider_id)
    if model is None or provider is None or provider.owner_user_id is not None:
        raise NotFound(MODEL_NOT_FOUND)
    return AdminModel(model=model, provider=provider)


def _display_name(name: str | None) -> str:
    name = (name or "").strip()
    if len(name) > DISPLAY_NAME_MAX:
        raise _invalid("displayName", f"Display name must be at most {DISPLAY_NAME_MAX} characters")
    return name


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput("Invalid input", (FieldProblem("invalid_string", message, (field,)),))
