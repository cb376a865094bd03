"""The access token and preferences repositories on SQLite (same rules as
``repositories``: one statement per method, storage forms from ``rows``).

``repositories`` builds the unit of work from these classes, so this module cannot
import its user mapping back; ``_user`` here reads the same columns the same way.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite
import msgspec

from chatport.adapters.sqlite.rows import (
    Row,
    dt_or_none,
    from_ms,
    json_text,
    ms_or_none,
    select_all,
    select_one,
    to_ms,
    user_from_row,
    write_count,
)
from chatport.domain.errors import AlreadyExists
from chatport.domain.preferences import Preferences, Theme
from chatport.domain.tokens import AccessToken, NewAccessToken
from chatport.domain.users import User

_abilities = msgspec.json.Decoder(tuple[str, ...])

# --- access tokens ---------------------------------------------------------------

# Statement names say ACCESS, not TOKEN: ruff (S105) reads "TOKEN" as a secret.

_ADD_ACCESS = """
INSERT INTO access_tokens (user_id, name, token_hash, abilities, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
RETURNING id
"""
_ACCESS_WITH_USER = """
SELECT t.id, t.user_id, t.name, t.token_hash, t.abilities, t.created_at, t.expires_at,
       t.last_used_at,
       u.id, u.username, u.email, u.name, u.password_hash, u.role, u.disabled_at,
       u.created_at
FROM access_tokens AS t JOIN users AS u ON u.id = t.user_id
WHERE t.id = ?
"""
_ACCESS_WIDTH = 8
_ACCESSES_OF_USER = """
SELECT id, user_id, name, token_hash, abilities, created_at, expires_at, last_used_at
FROM access_tokens WHERE user_id = ?
ORDER BY created_at DESC, id DESC
"""


def _token(row: Row) -> AccessToken:
    token_id, user_id, name, token_hash, abilities, created_at, expires_at, last_used_at = row
    return AccessToken(
        id=token_id,
        user_id=user_id,
        name=name,
        token_hash=token_hash,
        abilities=_abilities.decode(abilities),
        created_at=from_ms(created_at),
        expires_at=dt_or_none(expires_at),
        last_used_at=dt_or_none(last_used_at),
    )


class SqliteAccessTokenRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def add(self, new: NewAccessToken) -> AccessToken:
        params = (
            new.user_id,
            new.name,
            new.token_hash,
            json_text(new.abilities),
            to_ms(new.created_at),
            ms_or_none(new.expires_at),
        )
        row = await select_one(self._conn, _ADD_ACCESS, params)
        if row is None:
            raise AlreadyExists("Access token hash already taken")
        return AccessToken(
            id=row[0],
            user_id=new.user_id,
            name=new.name,
            token_hash=new.token_hash,
            abilities=new.abilities,
            created_at=new.created_at,
            expires_at=new.expires_at,
        )

    async def get_with_user(self, token_id: int) -> tuple[AccessToken, User] | None:
        row = await select_one(self._conn, _ACCESS_WITH_USER, (token_id,))
        if row is None:
            return None
        return _token(row[:_ACCESS_WIDTH]), user_from_row(row[_ACCESS_WIDTH:])

    async def list_for_user(self, user_id: int) -> list[AccessToken]:
        return [_token(row) for row in await select_all(self._conn, _ACCESSES_OF_USER, (user_id,))]

    async def touch(self, token_id: int, used_at: datetime) -> None:
        await write_count(
            self._conn,
            "UPDATE access_tokens SET last_used_at = ? WHERE id = ?",
            (to_ms(used_at), token_id),
        )

    async def delete(self, user_id: int, token_id: int) -> bool:
        changed = await write_count(
            self._conn,
            "DELETE FROM access_tokens WHERE id = ? AND user_id = ?",
            (token_id, user_id),
        )
        return changed > 0

    async def delete_for_user(self, user_id: int) -> int:
        return await write_count(
            self._conn, "DELETE FROM access_tokens WHERE user_id = ?", (user_id,)
        )


# --- preferences -----------------------------------------------------------------

_PREFERENCES = """
SELECT user_id, default_model, system_prompt, theme, language, dictation_language,
       send_on_enter, updated_at
FROM preferences WHERE user_id = ?
"""
_SAVE_PREFERENCES = """
INSERT INTO preferences
    (user_id, default_model, system_prompt, theme, language, dictation_language,
     send_on_enter, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (user_id) DO UPDATE
SET default_model = excluded.default_model, system_prompt = excluded.system_prompt,
    theme = excluded.theme, language = excluded.language,
    dictation_language = excluded.dictation_language,
    send_on_enter = excluded.send_on_enter, updated_at = excluded.updated_at
"""


class SqlitePreferencesRepository:
    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def get(self, user_id: int) -> Preferences | None:
        row = await select_one(self._conn, _PREFERENCES, (user_id,))
        if row is None:
            return None
        (
            owner_id,
            default_model,
            system_prompt,
            theme,
            language,
            dictation_language,
            send_on_enter,
            updated_at,
        ) = row
        return Preferences(
            user_id=owner_id,
            default_model=default_model,
            system_prompt=system_prompt,
            theme=Theme(theme),
            language=language,
            dictation_language=dictation_language,
            send_on_enter=bool(send_on_enter),
            updated_at=from_ms(updated_at),
        )

    async def save(self, preferences: Preferences) -> None:
        params = (
            preferences.user_id,
            preferences.default_model,
            preferences.system_prompt,
            preferences.theme.value,
            preferences.language,
            preferences.dictation_language,
            int(preferences.send_on_enter),
            to_ms(preferences.updated_at),
        )
        await write_count(self._conn, _SAVE_PREFERENCES, params)
