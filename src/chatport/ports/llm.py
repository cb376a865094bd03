"""The LLM port: one client per configured provider, whatever its wire protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

import msgspec

from chatport.domain.generation import CompletionRequest, LLMEvent
from chatport.domain.providers import RemoteModel, WireProtocol


class ProviderEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    """Where and how to reach one provider; ``api_key`` is decrypted, in memory only."""

    provider_id: int
    protocol: WireProtocol
    base_url: str
    api_key: str | None = None


class LLMClient(Protocol):
    """Talks to one provider.

    Failures are domain errors from ``chatport.domain.generation``: a refused key is
    ``ProviderAuthFailed``, an upstream 429 ``ProviderRateLimited`` (with its
    retry-after), an unknown model ``ModelNotFound``, too long a prompt
    ``ContextTooLong``, no answer in time ``ProviderTimeout``, no connection
    ``ProviderUnavailable``, a stream that breaks its format or ends without a finish
    ``MalformedStream``; any other refusal ``ProviderRejected``.
    """

    async def list_models(self) -> list[RemoteModel]: ...

    def stream_chat(self, request: CompletionRequest) -> AsyncIterator[LLMEvent]:
        """Text deltas as they arrive, then at most one usage report, then exactly one
        ``Finished``. Closing the iterator early stops the provider call."""
        ...


class LLMGateway(Protocol):
    """Hands out clients, one per provider, each with its own pooled connections."""

    def client_for(self, endpoint: ProviderEndpoint) -> LLMClient:
        """The client of that endpoint, made once and reused while it is unchanged."""
        ...

    async def forget(self, provider_id: int) -> None:
        """Drop (and close) the provider's client, after its settings changed."""
        ...

    async def aclose(self) -> None: ...
