"""The audit log: who did what to whom, from where, and when."""

from __future__ import annotations

import enum
from datetime import datetime

import msgspec


class AuditAction(enum.StrEnum):
    REGISTER = "register"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"
    USER_CREATED = "user_created"
    ROLE_CHANGED = "role_changed"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    PASSWORD_RESET = "password_reset"
    USER_DELETED = "user_deleted"
    PROVIDER_CREATED = "provider_created"
    PROVIDER_UPDATED = "provider_updated"
    API_KEY_CHANGED = "api_key_changed"
    PROVIDER_DELETED = "provider_deleted"
    MODELS_REFRESHED = "models_refreshed"
    MODEL_CHANGED = "model_changed"
    MODEL_DELETED = "model_deleted"


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    action: AuditAction
    created_at: datetime
    user_id: int | None = None
    target: str | None = None
    ip: str | None = None
    detail: str | None = None
    id: int | None = None
