"""A user's preferences: read, and merge a change field by field."""

from __future__ import annotations

import msgspec

from chatport.domain.errors import FieldProblem, InvalidInput
from chatport.domain.preferences import (
    DICTATION_LANGUAGES,
    SYSTEM_PROMPT_MAX,
    Preferences,
    Theme,
)
from chatport.domain.users import User
from chatport.ports.clock import Clock
from chatport.ports.repositories import Storage
from chatport.services.models import ModelService

LANGUAGE_MAX = 35  # a BCP 47 tag


class PreferencesChange(msgspec.Struct, frozen=True, kw_only=True):
    """What a PUT may set; UNSET fields stay as they are, None clears one."""

    default_model: str | msgspec.UnsetType | None = msgspec.UNSET
    system_prompt: str | msgspec.UnsetType | None = msgspec.UNSET
    theme: Theme | msgspec.UnsetType = msgspec.UNSET
    language: str | msgspec.UnsetType | None = msgspec.UNSET
    dictation_language: str | msgspec.UnsetType = msgspec.UNSET
    send_on_enter: bool | msgspec.UnsetType = msgspec.UNSET


class PreferencesService:
    """Rules: a user who never saved any has the defaults; ``default_model`` must be
    a model the user can use now; ``dictation_language`` one of the six the page
    offers; a system prompt up to 10,000 characters."""

    def __init__(self, storage: Storage, models: ModelService, clock: Clock) -> None:
        self._storage = storage
        self._models = models
        self._clock = clock

    async def get(self, user: User) -> Preferences:
        async with self._storage.read() as uow:
            stored = await uow.preferences.get(user.id)
        return stored or Preferences(user_id=user.id, updated_at=self._clock.now())

    async def update(self, user: User, change: PreferencesChange) -> Preferences:
        fields = {
            name: value
            for name in PreferencesChange.__struct_fields__
            if (value := getattr(change, name)) is not msgspec.UNSET
        }
        problems = _problems(fields)
        if isinstance(fields.get("default_model"), str):
            try:
                await self._models.resolve(fields["default_model"], user)
            except InvalidInput:
                problems.append(
                    FieldProblem("invalid", "Not a model you can use", ("default_model",))
                )
        if problems:
            raise InvalidInput("Invalid input", tuple(problems))
        current = await self.get(user)
        updated = msgspec.structs.replace(current, updated_at=self._clock.now(), **fields)
        async with self._storage.write() as uow:
            await uow.preferences.save(updated)
        return updated


def _problems(fields: dict[str, object]) -> list[FieldProblem]:
    problems = []
    prompt = fields.get("system_prompt")
    if isinstance(prompt, str) and len(prompt) > SYSTEM_PROMPT_MAX:
        problems.append(
            FieldProblem(
                "too_long", f"At most {SYSTEM_PROMPT_MAX:,} characters", ("system_prompt",)
            )
        )
    dictation = fields.get("dictation_language")
    if dictation is not None and dictation not in DICTATION_LANGUAGES:
        problems.append(
            FieldProblem(
                "invalid_enum_value",
                f"One of {', '.join(DICTATION_LANGUAGES)}",
                ("dictation_language",),
            )
        )
    language = fields.get("language")
    if isinstance(language, str) and not 1 <= len(language) <= LANGUAGE_MAX:
        problems.append(FieldProblem("invalid", "A language tag such as en-US", ("language",)))
    return problems
