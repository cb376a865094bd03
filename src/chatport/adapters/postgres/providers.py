"""The provider and model repositories on PostgreSQL (same rules as ``repositories``).

Provider names are unique per owner, ignoring case, through two partial indexes on
``lower(name)``; at most one model per type is the default (a partial unique index).
"""

from __future__ import annotations

import asyncpg

from chatport.adapters.postgres.rows import Row, changed_count
from chatport.domain.errors import AlreadyExists
from chatport.domain.providers import (
    Model,
    ModelChoice,
    ModelType,
    NewModel,
    NewProvider,
    Provider,
    ProviderKind,
)

# --- providers -------------------------------------------------------------------

_ADD_PROVIDER = """
INSERT INTO providers
    (name, display_name, kind, base_url, api_key_ciphertext, enabled, owner_user_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING
RETURNING id
"""
_PROVIDER_BY_ID = """
SELECT id, name, display_name, kind, base_url, api_key_ciphertext, enabled, owner_user_id,
       created_at
FROM providers WHERE id = $1
"""
# Two statements: "owner_user_id = $1" never matches NULL, and "IS NOT DISTINCT
# FROM" could not use providers_owner_name.
_ADMIN_PROVIDERS = """
SELECT id, name, display_name, kind, base_url, api_key_ciphertext, enabled, owner_user_id,
       created_at
FROM providers WHERE owner_user_id IS NULL
ORDER BY id
"""
_OWN_PROVIDERS = """
SELECT id, name, display_name, kind, base_url, api_key_ciphertext, enabled, owner_user_id,
       created_at
FROM providers WHERE owner_user_id = $1
ORDER BY id
"""
_SAVE_PROVIDER = """
UPDATE providers SET display_name = $2, base_url = $3, api_key_ciphertext = $4, enabled = $5
WHERE id = $1
"""
_MODEL_COUNTS = "SELECT provider_id, count(*) FROM models GROUP BY provider_id"


def _provider(row: Row) -> Provider:
    (
        provider_id,
        name,
        display_name,
        kind,
        base_url,
        api_key_ciphertext,
        enabled,
        owner_user_id,
        created_at,
    ) = row
    return Provider(
        id=provider_id,
        name=name,
        display_name=display_name,
        kind=ProviderKind(kind),
        base_url=base_url,
        api_key_ciphertext=api_key_ciphertext,
        enabled=enabled,
        owner_user_id=owner_user_id,
        created_at=created_at,
    )


class PostgresProviderRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, new: NewProvider) -> Provider:
        provider_id = await self._conn.fetchval(
            _ADD_PROVIDER,
            new.name,
            new.display_name,
            new.kind.value,
            new.base_url,
            new.api_key_ciphertext,
            new.enabled,
            new.owner_user_id,
            new.created_at,
        )
        if provider_id is None:
            raise AlreadyExists("Provider name already taken")
        return Provider(
            id=provider_id,
            name=new.name,
            display_name=new.display_name,
            kind=new.kind,
            base_url=new.base_url,
            api_key_ciphertext=new.api_key_ciphertext,
            enabled=new.enabled,
            owner_user_id=new.owner_user_id,
            created_at=new.created_at,
        )

    async def get(self, provider_id: int) -> Provider | None:
        row = await self._conn.fetchrow(_PROVIDER_BY_ID, provider_id)
        return None if row is None else _provider(row)

    async def list_all(self, owner_user_id: int | None = None) -> list[Provider]:
        if owner_user_id is None:
            rows = await self._conn.fetch(_ADMIN_PROVIDERS)
        else:
            rows = await self._conn.fetch(_OWN_PROVIDERS, owner_user_id)
        return [_provider(row) for row in rows]

    async def save(self, provider: Provider) -> None:
        await self._conn.execute(
            _SAVE_PROVIDER,
            provider.id,
            provider.display_name,
            provider.base_url,
            provider.api_key_ciphertext,
            provider.enabled,
        )

    async def delete(self, provider_id: int) -> bool:
        # Its models go by ON DELETE CASCADE.
        status = await self._conn.execute("DELETE FROM providers WHERE id = $1", provider_id)
        return changed_count(status) > 0

    async def model_counts(self) -> dict[int, int]:
        return {row[0]: row[1] for row in await self._conn.fetch(_MODEL_COUNTS)}


# --- models ----------------------------------------------------------------------

_ADD_MODEL = """
INSERT INTO models
    (provider_id, model_id, display_name, enabled, is_default, model_type, context_window,
     supports_vision, supports_tools, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT DO NOTHING
RETURNING id
"""
_MODEL_BY_ID = """
SELECT id, provider_id, model_id, display_name, enabled, is_default, model_type,
       context_window, supports_vision, supports_tools, created_at
FROM models WHERE id = $1
"""
# model_id is COLLATE "C": the order is the same as SQLite's, whatever the locale.
_ALL_MODELS = """
SELECT id, provider_id, model_id, display_name, enabled, is_default, model_type,
       context_window, supports_vision, supports_tools, created_at
FROM models
ORDER BY provider_id, model_id
"""
_MODELS_OF_PROVIDER = """
SELECT id, provider_id, model_id, display_name, enabled, is_default, model_type,
       context_window, supports_vision, supports_tools, created_at
FROM models WHERE provider_id = $1
ORDER BY model_id
"""
# What a request may pick: enabled models of enabled admin-wide providers.
_CHOICES = """
SELECT m.id, m.provider_id, m.model_id, m.display_name, m.enabled, m.is_default,
       m.model_type, m.context_window, m.supports_vision, m.supports_tools, m.created_at,
       p.id, p.name, p.display_name, p.kind, p.base_url, p.api_key_ciphertext, p.enabled,
       p.owner_user_id, p.created_at
FROM models AS m JOIN providers AS p ON p.id = m.provider_id
WHERE m.enabled AND p.enabled AND p.owner_user_id IS NULL
"""
_CHOICE_ORDER = "\nORDER BY m.is_default DESC, m.provider_id, m.model_id"
_ENABLED_CHOICES = _CHOICES + _CHOICE_ORDER
_ENABLED_CHOICES_OF_TYPE = _CHOICES + "AND m.model_type = $1" + _CHOICE_ORDER
_CHOICES_BY_MODEL_ID = _CHOICES + "AND m.model_id = $1" + _CHOICE_ORDER
_MODEL_WIDTH = 11
_SAVE_MODEL = """
UPDATE models
SET display_name = $2, enabled = $3, context_window = $4, supports_vision = $5,
    supports_tools = $6
WHERE id = $1
"""
# Two statements, in this order: a unique index is checked row by row, so the old
# default must be cleared before the new one is set.
_CLEAR_OTHER_DEFAULT = """
UPDATE models SET is_default = false
WHERE is_default AND id <> $1 AND model_type = (SELECT model_type FROM models WHERE id = $1)
"""
_SET_DEFAULT = "UPDATE models SET is_default = true WHERE id = $1"


def _model(row: Row) -> Model:
    (
        model_pk,
        provider_id,
        model_id,
        display_name,
        enabled,
        is_default,
        model_type,
        context_window,
        supports_vision,
        supports_tools,
        created_at,
    ) = row
    return Model(
        id=model_pk,
        provider_id=provider_id,
        model_id=model_id,
        display_name=display_name,
        enabled=enabled,
        is_default=is_default,
        model_type=ModelType(model_type),
        context_window=context_window,
        supports_vision=supports_vision,
        supports_tools=supports_tools,
        created_at=created_at,
    )


def _choice(row: Row) -> ModelChoice:
    return ModelChoice(model=_model(row[:_MODEL_WIDTH]), provider=_provider(row[_MODEL_WIDTH:]))


class PostgresModelRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, new: NewModel) -> Model:
        # Two unique keys: (provider, model_id), and one default per type.
        model_pk = await self._conn.fetchval(
            _ADD_MODEL,
            new.provider_id,
            new.model_id,
            new.display_name,
            new.enabled,
            new.is_default,
            new.model_type.value,
            new.context_window,
            new.supports_vision,
            new.supports_tools,
            new.created_at,
        )
        if model_pk is None:
            raise AlreadyExists("Model already listed, or its type already has a default")
        return Model(
            id=model_pk,
            provider_id=new.provider_id,
            model_id=new.model_id,
            display_name=new.display_name,
            enabled=new.enabled,
            is_default=new.is_default,
            model_type=new.model_type,
            context_window=new.context_window,
            supports_vision=new.supports_vision,
            supports_tools=new.supports_tools,
            created_at=new.created_at,
        )

    async def get(self, model_pk: int) -> Model | None:
        row = await self._conn.fetchrow(_MODEL_BY_ID, model_pk)
        return None if row is None else _model(row)

    async def list_all(self, provider_id: int | None = None) -> list[Model]:
        if provider_id is None:
            rows = await self._conn.fetch(_ALL_MODELS)
        else:
            rows = await self._conn.fetch(_MODELS_OF_PROVIDER, provider_id)
        return [_model(row) for row in rows]

    async def list_enabled(self, model_type: ModelType | None = None) -> list[ModelChoice]:
        if model_type is None:
            rows = await self._conn.fetch(_ENABLED_CHOICES)
        else:
            rows = await self._conn.fetch(_ENABLED_CHOICES_OF_TYPE, model_type.value)
        return [_choice(row) for row in rows]

    async def find_enabled(self, model_id: str) -> list[ModelChoice]:
        return [_choice(row) for row in await self._conn.fetch(_CHOICES_BY_MODEL_ID, model_id)]

    async def save(self, model: Model) -> None:
        await self._conn.execute(
            _SAVE_MODEL,
            model.id,
            model.display_name,
            model.enabled,
            model.context_window,
            model.supports_vision,
            model.supports_tools,
        )

    async def set_default(self, model_pk: int) -> None:
        await self._conn.execute(_CLEAR_OTHER_DEFAULT, model_pk)
        await self._conn.execute(_SET_DEFAULT, model_pk)

    async def set_enabled_for_provider(self, provider_id: int, enabled: bool) -> int:
        status = await self._conn.execute(
            "UPDATE models SET enabled = $2 WHERE provider_id = $1", provider_id, enabled
        )
        return changed_count(status)

    async def delete(self, model_pk: int) -> bool:
        return (
            changed_count(await self._conn.execute("DELETE FROM models WHERE id = $1", model_pk))
            > 0
        )
