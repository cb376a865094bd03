"""Clients per provider, made once and kept while the provider's settings hold."""

from __future__ import annotations

import asyncio
from typing import Protocol

from chatport.adapters.llm.anthropic import AnthropicClient
from chatport.adapters.llm.echo import EchoClient
from chatport.adapters.llm.ollama import OllamaClient
from chatport.adapters.llm.openai import OpenAICompatibleClient
from chatport.adapters.llm.transport import HttpTransport
from chatport.domain.providers import WireProtocol
from chatport.ports.llm import LLMClient, ProviderEndpoint


class _OwnedClient(LLMClient, Protocol):
    async def aclose(self) -> None: ...

    async def aclose_when_idle(self) -> None: ...


class HttpxLLMGateway:
    """``LLMGateway`` with one pooled HTTP client (``HttpTransport``) per provider.

    A client whose endpoint changed (URL, key or protocol), or that is forgotten,
    is closed once the replies streaming through it are done; ``aclose`` closes
    everything at once. The timeouts and the connection cap apply to each provider.
    """

    def __init__(
        self,
        *,
        connect_timeout: float = 10.0,
        first_byte_timeout: float = 60.0,
        idle_timeout: float = 60.0,
        max_connections: int = 1000,
        echo_delay: float = 0.02,
    ) -> None:
        self._connect_timeout = connect_timeout
        self._first_byte_timeout = first_byte_timeout
        self._idle_timeout = idle_timeout
        self._max_connections = max_connections
        self._echo_delay = echo_delay
        self._clients: dict[int, tuple[ProviderEndpoint, _OwnedClient]] = {}
        self._retiring: dict[asyncio.Task[None], _OwnedClient] = {}

    def client_for(self, endpoint: ProviderEndpoint) -> LLMClient:
        cached = self._clients.get(endpoint.provider_id)
        if cached is not None:
            if cached[0] == endpoint:
                return cached[1]
            self._retire(cached[1])
        client = self._build(endpoint)
        self._clients[endpoint.provider_id] = (endpoint, client)
        return client

    async def forget(self, provider_id: int) -> None:
        cached = self._clients.pop(provider_id, None)
        if cached is not None:
            self._retire(cached[1])

    async def aclose(self) -> None:
        clients = [client for _, client in self._clients.values()]
        clients += self._retiring.values()
        self._clients.clear()
        for task in self._retiring:
            task.cancel()
        for client in clients:
            await client.aclose()

    def _retire(self, client: _OwnedClient) -> None:
        task = asyncio.get_running_loop().create_task(client.aclose_when_idle())
        self._retiring[task] = client
        task.add_done_callback(self._retiring.pop)

    def _build(self, endpoint: ProviderEndpoint) -> _OwnedClient:
        if endpoint.protocol is WireProtocol.ECHO:
            return EchoClient(delay=self._echo_delay)
        transport = HttpTransport(
            connect_timeout=self._connect_timeout,
            first_byte_timeout=self._first_byte_timeout,
            idle_timeout=self._idle_timeout,
            max_connections=self._max_connections,
        )
        if endpoint.protocol is WireProtocol.ANTHROPIC:
            return AnthropicClient(endpoint.base_url, endpoint.api_key, transport=transport)
        if endpoint.protocol is WireProtocol.OLLAMA:
            return OllamaClient(endpoint.base_url, endpoint.api_key, transport=transport)
        return OpenAICompatibleClient(endpoint.base_url, endpoint.api_key, transport=transport)
