"""A user's preferences: a small typed document, merged field by field."""

from __future__ import annotations

import enum
from datetime import datetime

import msgspec

SYSTEM_PROMPT_MAX = 10_000
DICTATION_LANGUAGES = ("en-US", "es-CO", "es-ES", "pt-BR", "fr-FR", "de-DE")


class Theme(enum.StrEnum):
    LIGHT = "light"
    DARK = "dark"
    SYSTEM = "system"


class Preferences(msgspec.Struct, frozen=True, kw_only=True):
    user_id: int
    updated_at: datetime
    default_model: str | None = None
    system_prompt: str | None = None
    theme: Theme = Theme.SYSTEM
    language: str | None = None
    dictation_language: str = "en-US"
    send_on_enter: bool = True
