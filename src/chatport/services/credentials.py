"""A user's own provider keys (bring your own key): set, list, remove. Keys are
sealed at rest and never shown again."""

from __future__ import annotations

import msgspec

from chatport.domain.errors import FieldProblem, InvalidInput, NotFound
from chatport.domain.providers import (
    DEFAULT_BASE_URLS,
    DISPLAY_NAMES,
    NewProvider,
    Provider,
    ProviderKind,
)
from chatport.domain.users import User
from chatport.ports.clock import Clock
from chatport.ports.llm import LLMGateway
from chatport.ports.repositories import Storage
from chatport.ports.security import SecretBox
from chatport.services.providers import KEY_MAX

# The hosted services a user may bring a key for; local servers are the admin's.
BYOK_KINDS = (ProviderKind.OPENAI, ProviderKind.ANTHROPIC, ProviderKind.OPENROUTER)


class CredentialsService:
    """Rules: one key per hosted kind per user; the key is sealed and never
    returned; a user sees and removes only their own."""

    def __init__(self, storage: Storage, box: SecretBox, gateway: LLMGateway, clock: Clock) -> None:
        self._storage = storage
        self._box = box
        self._gateway = gateway
        self._clock = clock

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
