"""The provider and model repositories on SQLite (same rules as ``repositories``).

Provider names are COLLATE NOCASE and unique per owner through two partial
indexes; at most one model per type is the default (a partial unique index).
"""

from __future__ import annotations

import aiosqlite

from chatport.adapters.sqlite.rows import Row, from_ms, select_all, select_one, to_ms, write_count
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
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
RETURNING id
"""
_PROVIDER_BY_ID = """
SELECT id, name, display_name, kind, base_url, api_key_ciphertext, enabled, owner_user_id,
       created_at
FROM providers WHERE id = ?
"""
# Two statements: "owner_user_id = ?" never matches NULL, and only "= ?" (which
# implies "IS NOT NULL") lets the owner's list use providers_owner_name.
_ADMIN_PROVIDERS = """
SELECT id, name, display_name, kind, base_url, api_key_ciphertext, enabled, owner_user_id,
       created_at
FROM providers WHERE owner_user_id IS NULL
ORDER BY id
"""
_OWN_PROVIDERS = """
SELECT id, name, display_name, kind, base_url, api_key_ciphertext, enabled, owner_user_id,
       created_at
FROM providers WHERE owner_user_id = ?
ORDER BY id
"""
_SAVE_PROVIDER = """
UPDATE providers SET display_name = ?, base_url = ?, api_key_ciphertext = ?, enabled = ?
WHERE id = ?
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
        enabled=bool(enabled),
        owner_user_id=owner_user_id,
        created_at=from_ms(created_at),
    )


class SqliteProviderRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, new: NewProvider) -> Provider:
        params = (
            new.name,
            new.display_name,
            new.kind.value,
            new.base_url,
            new.api_key_ciphertext,
            int(new.enabled),
            new.owner_user_id,
            to_ms(new.created_at),
        )
        row = await select_one(self._conn, _ADD_PROVIDER, params)
        if row is None:
            raise AlreadyExists("Provider name already taken")
        return Provider(
            id=row[0],
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
        row = await select_one(self._conn, _PROVIDER_BY_ID, (provider_id,))
        return None if row is None else _provider(row)

    async def list_all(self, owner_user_id: int | None = None) -> list[Provider]:
        if owner_user_id is None:
            rows = await select_all(self._conn, _ADMIN_PROVIDERS, ())
        else:
            rows = await select_all(self._conn, _OWN_PROVIDERS, (owner_user_id,))
        return [_provider(row) for row in rows]

    async def save(self, provider: Provider) -> None:
        params = (
            provider.display_name,
            provider.base_url,
            provider.api_key_ciphertext,
            int(provider.enabled),
            provider.id,
        )
        await write_count(self._conn, _SAVE_PROVIDER, params)

    async def delete(self, provider_id: int) -> bool:
        # Its models go by ON DELETE CASCADE.
        changed = await write_count(
            self._conn, "DELETE FROM providers WHERE id = ?", (provider_id,)
        )
        return changed > 0

    async def model_counts(self) -> dict[int, int]:
        rows = await select_all(self._conn, _MODEL_COUNTS, ())
        return {row[0]: row[1] for row in rows}


# --- models ----------------------------------------------------------------------

_ADD_MODEL = """
INSERT INTO models
    (provider_id, model_id, display_name, enabled, is_default, model_type, context_window,
     supports_vision, supports_tools, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
RETURNING id
"""
_MODEL_BY_ID = """
SELECT id, provider_id, model_id, display_name, enabled, is_default, model_type,
       context_window, supports_vision, supports_tools, created_at
FROM models WHERE id = ?
"""
_ALL_MODELS = """
SELECT id, provider_id, model_id, display_name, enabled, is_default, model_type,
       context_window, supports_vision, supports_tools, created_at
FROM models
ORDER BY provider_id, model_id
"""
_MODELS_OF_PROVIDER = """
SELECT id, provider_id, model_id, display_name, enabled, is_default, model_type,
       context_window, supports_vision, supports_tools, created_at
FROM models WHERE provider_id = ?
ORDER BY model_id
"""
# What a request may pick: enabled models of enabled admin-wide providers.
_CHOICES = """
SELECT m.id, m.provider_id, m.model_id, m.display_name, m.enabled, m.is_default,
       m.model_type, m.context_window, m.supports_vision, m.supports_tools, m.created_at,
       p.id, p.name, p.display_name, p.kind, p.base_url, p.api_key_ciphertext, p.enabled,
       p.owner_user_id, p.created_at
FROM models AS m JOIN providers AS p ON p.id = m.provider_id
WHERE m.enabled = 1 AND p.enabled = 1 AND p.owner_user_id IS NULL
"""
_CHOICE_ORDER = "\nORDER BY m.is_default DESC, m.provider_id, m.model_id"
_ENABLED_CHOICES = _CHOICES + _CHOICE_ORDER
_ENABLED_CHOICES_OF_TYPE = _CHOICES + "AND m.model_type = ?" + _CHOICE_ORDER
_CHOICES_BY_MODEL_ID = _CHOICES + "AND m.model_id = ?" + _CHOICE_ORDER
_MODEL_WIDTH = 11
_SAVE_MODEL = """
UPDATE models
SET display_name = ?, enabled = ?, context_window = ?, supports_vision = ?, supports_tools = ?
WHERE id = ?
"""
# Two statements, in this order: unique indexes are checked row by row, so the old
# default must be cleared before the new one is set.
_CLEAR_OTHER_DEFAULT = """
UPDATE models SET is_default = 0
WHERE is_default = 1 AND id <> ? AND model_type = (SELECT model_type FROM models WHERE id = ?)
"""
_SET_DEFAULT = "UPDATE models SET is_default = 1 WHERE id = ?"


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
        enabled=bool(enabled),
        is_default=bool(is_default),
        model_type=ModelType(model_type),
        context_window=context_window,
        supports_vision=bool(supports_vision),
        supports_tools=bool(supports_tools),
        created_at=from_ms(created_at),
    )


def _choice(row: Row) -> ModelChoice:
    return ModelChoice(model=_model(row[:_MODEL_WIDTH]), provider=_provider(row[_MODEL_WIDTH:]))


class SqliteModelRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, new: NewModel) -> Model:
        params = (
            new.provider_id,
            new.model_id,
            new.display_name,
            int(new.enabled),
            int(new.is_default),
            new.model_type.value,
            new.context_window,
            int(new.supports_vision),
            int(new.supports_tools),
            to_ms(new.created_at),
        )
        # Two unique keys: (provider, model_id), and one default per type.
        row = await select_one(self._conn, _ADD_MODEL, params)
        if row is None:
            raise AlreadyExists("Model already listed, or its type already has a default")
        return Model(
            id=row[0],
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
        row = await select_one(self._conn, _MODEL_BY_ID, (model_pk,))
        return None if row is None else _model(row)

    async def list_all(self, provider_id: int | None = None) -> list[Model]:
        if provider_id is None:
            rows = await select_all(self._conn, _ALL_MODELS, ())
        else:
            rows = await select_all(self._conn, _MODELS_OF_PROVIDER, (provider_id,))
        return [_model(row) for row in rows]

    async def list_enabled(self, model_type: ModelType | None = None) -> list[ModelChoice]:
        if model_type is None:
            rows = await select_all(self._conn, _ENABLED_CHOICES, ())
        else:
            rows = await select_all(self._conn, _ENABLED_CHOICES_OF_TYPE, (model_type.value,))
        return [_choice(row) for row in rows]

    async def find_enabled(self, model_id: str) -> list[ModelChoice]:
        rows = await select_all(self._conn, _CHOICES_BY_MODEL_ID, (model_id,))
        return [_choice(row) for row in rows]

    async def save(self, model: Model) -> None:
        params = (
            model.display_name,
            int(model.enabled),
            model.context_window,
            int(model.supports_vision),
            int(model.supports_tools),
            model.id,
        )
        await write_count(self._conn, _SAVE_MODEL, params)

    async def set_default(self, model_pk: int) -> None:
        await write_count(self._conn, _CLEAR_OTHER_DEFAULT, (model_pk, model_pk))
        await write_count(self._conn, _SET_DEFAULT, (model_pk,))

    async def set_enabled_for_provider(self, provider_id: int, enabled: bool) -> int:
        return await write_count(
            self._conn,
            "UPDATE models SET enabled = ? WHERE provider_id = ?",
            (int(enabled), provider_id),
        )

    async def delete(self, model_pk: int) -> bool:
        return await write_count(self._conn, "DELETE FROM models WHERE id = ?", (model_pk,)) > 0
