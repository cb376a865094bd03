"""LLM providers and their models, and the rules on where a provider may live."""

from __future__ import annotations

import enum
import ipaddress
from datetime import datetime
from urllib.parse import urlsplit

import msgspec

from chatport.domain.errors import FieldProblem, InvalidInput


class WireProtocol(enum.StrEnum):
    """How chatport talks to a provider."""

    OPENAI = "openai"  # chat completions, as OpenAI and every compatible server speak
    ANTHROPIC = "anthropic"  # the Messages API
    OLLAMA = "ollama"  # Ollama's native /api/chat and /api/tags
    ECHO = "echo"  # the built-in offline demo


class ProviderKind(enum.StrEnum):
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    OLLAMA = "ollama"
    OPENROUTER = "openrouter"
    OPENAI_COMPATIBLE = "openai-compatible"
    ECHO = "echo"

    @property
    def protocol(self) -> WireProtocol:
        return _PROTOCOLS[self]

    @property
    def needs_key(self) -> bool:
        """Hosted services need a key; local servers and the demo do not."""
        return self in {ProviderKind.OPENAI, ProviderKind.ANTHROPIC, ProviderKind.OPENROUTER}


_PROTOCOLS = {
    ProviderKind.OPENAI: WireProtocol.OPENAI,
    ProviderKind.OPENROUTER: WireProtocol.OPENAI,
    ProviderKind.OPENAI_COMPATIBLE: WireProtocol.OPENAI,
    ProviderKind.ANTHROPIC: WireProtocol.ANTHROPIC,
    ProviderKind.OLLAMA: WireProtocol.OLLAMA,
    ProviderKind.ECHO: WireProtocol.ECHO,
}

DEFAULT_BASE_URLS: dict[ProviderKind, str] = {
    ProviderKind.OPENAI: "https://api.openai.com/v1",
    ProviderKind.ANTHROPIC: "https://api.anthropic.com/v1",
    ProviderKind.OPENROUTER: "https://openrouter.ai/api/v1",
    ProviderKind.OLLAMA: "http://127.0.0.1:11434",
    ProviderKind.OPENAI_COMPATIBLE: "http://127.0.0.1:8080/v1",
    ProviderKind.ECHO: "echo://demo",
}

DISPLAY_NAMES: dict[ProviderKind, str] = {
    ProviderKind.OPENAI: "OpenAI",
    ProviderKind.ANTHROPIC: "Anthropic",
    ProviderKind.OPENROUTER: "OpenRouter",
    ProviderKind.OLLAMA: "Ollama",
    ProviderKind.OPENAI_COMPATIBLE: "OpenAI-compatible server",
    ProviderKind.ECHO: "Demo (echo, offline)",
}


class Provider(msgspec.Struct, frozen=True, kw_only=True):
    """A configured provider. The key is kept only encrypted; it is never shown."""

    id: int
    name: str
    display_name: str
    kind: ProviderKind
    base_url: str
    enabled: bool
    created_at: datetime
    api_key_ciphertext: str | None = None
    owner_user_id: int | None = None  # None: admin-wide; else one user's own key

    @property
    def has_key(self) -> bool:
        return self.api_key_ciphertext is not None


class NewProvider(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    display_name: str
    kind: ProviderKind
    base_url: str
    enabled: bool
    created_at: datetime
    api_key_ciphertext: str | None = None
    owner_user_id: int | None = None


class ModelType(enum.StrEnum):
    TEXT = "text"
    IMAGE = "image"


class Model(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    provider_id: int
    model_id: str
    display_name: str
    enabled: bool
    is_default: bool
    created_at: datetime
    model_type: ModelType = ModelType.TEXT
    context_window: int | None = None
    supports_vision: bool = False
    supports_tools: bool = False


class NewModel(msgspec.Struct, frozen=True, kw_only=True):
    provider_id: int
    model_id: str
    display_name: str
    enabled: bool
    created_at: datetime
    is_default: bool = False
    model_type: ModelType = ModelType.TEXT
    context_window: int | None = None
    supports_vision: bool = False
    supports_tools: bool = False


class RemoteModel(msgspec.Struct, frozen=True, kw_only=True):
    """A model as a provider lists it."""

    model_id: str
    display_name: str | None = None
    context_window: int | None = None
    supports_vision: bool = False
    model_type: ModelType = ModelType.TEXT


class ModelChoice(msgspec.Struct, frozen=True, kw_only=True):
    """An enabled model of an enabled provider: what a request's ``model`` names."""

    model: Model
    provider: Provider


# Families known to read images. Providers' model lists rarely say so; an admin can
# set it either way per model, and that choice outlives a refresh of the list.
_VISION_MARKERS = (
    "gpt-4o", "gpt-4.1", "gpt-4-turbo", "gpt-4-vision", "gpt-5", "o1", "o3", "o4",
    "claude-3", "claude-sonnet-4", "claude-opus-4", "claude-haiku-4",
    "gemini", "llava", "bakllava", "vision", "-vl", "vl-", "pixtral", "gemma3",
    "minicpm-v", "moondream", "qwen2.5vl", "granite3.2-vision", "mistral-small3.1",
)  # fmt: skip


def likely_vision(model_id: str) -> bool:
    """Whether a model of this id probably reads images, from its family's name."""
    name = model_id.lower().rsplit("/", 1)[-1]
    return any(marker in name for marker in _VISION_MARKERS)


def on_own_key(provider: Provider, remote: RemoteModel) -> ModelChoice:
    """A model served on a user's own key: not in the catalogue, described by what
    the provider says of it (or by its id alone)."""
    model = Model(
        id=0,
        provider_id=provider.id,
        model_id=remote.model_id,
        display_name=remote.display_name or remote.model_id,
        enabled=True,
        is_default=False,
        created_at=provider.created_at,
        model_type=remote.model_type,
        context_window=remote.context_window,
        supports_vision=remote.supports_vision,
    )
    return ModelChoice(model=model, provider=provider)


PROVIDER_NAME_MAX = 50
_METADATA_HOSTS = frozenset({"169.254.169.254", "fd00:ec2::254", "metadata.google.internal"})


def check_base_url(url: str, field: str = "baseUrl") -> str:
    """An http(s) URL that is not a cloud metadata address. Private addresses are
    allowed on purpose: local servers (Ollama, llama.cpp) live there."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    problem = None
    if parts.scheme not in {"http", "https"} or not host:
        problem = "Base URL must be an http(s) URL"
    elif host in _METADATA_HOSTS or _is_link_local(host):
        problem = "Base URL must not point at a cloud metadata address"
    if problem:
        raise InvalidInput("Invalid input", (FieldProblem("invalid_string", problem, (field,)),))
    return url.strip().rstrip("/")


def _is_link_local(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_link_local


def split_model_ref(ref: str) -> tuple[str | None, str]:
    """``<provider name>:<model_id>`` picks one provider; a bare id may match several.

    Model ids may hold colons themselves (``llama3:8b``), so the prefix counts only
    when it names a provider; the caller decides that.
    """
    head, sep, tail = ref.partition(":")
    return (head, tail) if sep and tail else (None, ref)


def own_key_for(model_id: str, kinds: set[ProviderKind]) -> ProviderKind | None:
    """Which of a user's own keys (by kind) answers a bare model id that no catalogue
    lists: OpenRouter ids hold a vendor prefix (``openai/gpt-4o``), Anthropic's
    start with ``claude``, anything else is taken to be OpenAI's; a user with a
    single key means that one."""
    if "/" in model_id:
        wanted = ProviderKind.OPENROUTER
    elif model_id.startswith("claude"):
        wanted = ProviderKind.ANTHROPIC
    else:
        wanted = ProviderKind.OPENAI
    if wanted in kinds:
        return wanted
    if len(kinds) == 1:
        return next(iter(kinds))
    return None


_NAMED_KINDS = {
    ProviderKind.OPENAI,
    ProviderKind.ANTHROPIC,
    ProviderKind.OLLAMA,
    ProviderKind.OPENROUTER,
}
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput("Invalid input", (FieldProblem("invalid_string", message, (field,)),))


def check_provider_name(name: str) -> str:
    """A provider's name is its handle in ``<name>:<model_id>``: 1 to 50 lowercase
    letters, digits, ``-``, ``_`` or ``.``."""
    if not 1 <= len(name) <= PROVIDER_NAME_MAX or not set(name) <= _NAME_CHARS:
        raise _invalid(
            "name",
            f"Name must be 1 to {PROVIDER_NAME_MAX} lowercase letters, digits, '-', '_' or '.'",
        )
    return name


def kind_for(name: str, provider_type: str | None) -> ProviderKind:
    """The name picks the protocol (openai, anthropic, ollama, openrouter); any other
    name needs ``providerType`` (openai-compatible, or echo for the offline demo)."""
    if name in _NAMED_KINDS:
        return ProviderKind(name)
    if provider_type in {ProviderKind.OPENAI_COMPATIBLE.value, ProviderKind.ECHO.value}:
        return ProviderKind(provider_type)
    if provider_type in {k.value for k in _NAMED_KINDS}:
        return ProviderKind(provider_type)
    raise _invalid(
        "providerType",
        "A provider not named openai, anthropic, ollama or openrouter needs "
        "providerType 'openai-compatible' and a base URL",
    )
