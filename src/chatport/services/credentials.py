"""A user's own provider keys (bring your own key): set, list, remove. Keys are
sealed at rest and never shown again."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import msgspec

from chatport.domain.errors import FieldProblem, InvalidInput, NotFound
from chatport.domain.generation import ProviderError
from chatport.domain.providers import (
    DEFAULT_BASE_URLS,
    DISPLAY_NAMES,
    ModelChoice,
    NewProvider,
    Provider,
    ProviderKind,
    RemoteModel,
    on_own_key,
)
from chatport.domain.users import User
from chatport.ports.clock import Clock
from chatport.ports.llm import LLMGateway
from chatport.ports.repositories import Storage
from chatport.ports.security import SecretBox
from chatport.services.providers import KEY_MAX, ProviderService

log = logging.getLogger("chatport.credentials")

# The hosted services a user may bring a key for; local servers are the admin's.
BYOK_KINDS = (ProviderKind.OPENAI, ProviderKind.ANTHROPIC, ProviderKind.OPENROUTER)
# How long what a provider lists for a user's key is kept: lists change rarely,
# and asking on every model picker would cost a round trip to the provider. A
# provider that could not answer is asked again sooner, but not on every page.
MODEL_LIST_TTL = timedelta(minutes=5)
FAILED_LIST_TTL = timedelta(minutes=1)


class CredentialsService:
    """Rules: one key per hosted kind per user; the key is sealed and never
    returned; a user sees and removes only their own. The models a key serves are
    the provider's list for it, asked at most every few minutes."""

    def __init__(
        self,
        storage: Storage,
        box: SecretBox,
        gateway: LLMGateway,
        providers: ProviderService,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._box = box
        self._gateway = gateway
        self._providers = providers
        self._clock = clock
        # (provider id, sealed key) -> (until when it holds, what the provider listed)
        self._listed: dict[tuple[int, str], tuple[datetime, list[RemoteModel]]] = {}

    async def own_models(self, user: User) -> list[ModelChoice]:
        """The models the user's own keys serve; a provider that cannot answer now
        lists none."""
        async with self._storage.read() as uow:
            keys = [p for p in await uow.providers.list_all(user.id) if p.enabled and p.has_key]
        lists = await asyncio.gather(*(self._models_of(p) for p in keys))
        return [
            on_own_key(p, remote)
            for p, listed in zip(keys, lists, strict=True)
            for remote in listed
        ]

    async def _models_of(self, provider: Provider) -> list[RemoteModel]:
        cache_key = (provider.id, provider.api_key_ciphertext or "")
        now = self._clock.now()
        cached = self._listed.get(cache_key)
        if cached is not None and cached[0] > now:
            return cached[1]
        client = self._gateway.client_for(self._providers.endpoint(provider))
        try:
            listed, expires = await client.list_models(), now + MODEL_LIST_TTL
        except ProviderError as exc:
            log.warning("own key's models unavailable: %s (%s)", provider.kind.value, exc.code)
            listed, expires = [], now + FAILED_LIST_TTL
        self._listed = {k: v for k, v in self._listed.items() if v[0] > now}
        self._listed[cache_key] = (expires, listed)
        return listed

    async def list_keys(self, user: User) -> list[Provider]:
        async with self._storage.read() as uow:
            return [p for p in await uow.providers.list_all(user.id) if p.has_key]

    async def set_key(self, user: User, kind_name: str, api_key: str) -> Provider:
        kind = _kind(kind_name)
        key = api_key.strip()
        if not 1 <= len(key) <= KEY_MAX:
            raise InvalidInput(
                "Invalid input",
                (
                    FieldProblem(
                        "invalid", f"An API key is 1 to {KEY_MAX} characters", ("api_key",)
                    ),
                ),
            )
        sealed = self._box.seal(key)
        async with self._storage.write() as uow:
            mine = {p.kind: p for p in await uow.providers.list_all(user.id)}
            existing = mine.get(kind)
            if existing is not None:
                provider = msgspec.structs.replace(existing, api_key_ciphertext=sealed)
                await uow.providers.save(provider)
            else:
                provider = await uow.providers.add(
                    NewProvider(
                        name=kind.value,
                        display_name=DISPLAY_NAMES[kind],
                        kind=kind,
                        base_url=DEFAULT_BASE_URLS[kind],
                        enabled=True,
                        created_at=self._clock.now(),
                        api_key_ciphertext=sealed,
                        owner_user_id=user.id,
                    )
                )
        if existing is not None:
            await self._gateway.forget(existing.id)
        return provider

    async def remove_key(self, user: User, kind_name: str) -> None:
        kind = _kind(kind_name)
        async with self._storage.write() as uow:
            mine = {p.kind: p for p in await uow.providers.list_all(user.id)}
            if kind not in mine:
                raise NotFound("No key for this provider")
            await uow.providers.delete(mine[kind].id)
        await self._gateway.forget(mine[kind].id)


def _kind(name: str) -> ProviderKind:
    try:
        kind = ProviderKind(name)
    except ValueError:
        kind = None
    if kind not in BYOK_KINDS:
        raise NotFound(
            f"Unknown provider {name[:40]}: one of {', '.join(k.value for k in BYOK_KINDS)}"
        )
    return kind
