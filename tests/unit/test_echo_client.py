"""The offline echo model, and the gateway that hands out one client per provider."""

from __future__ import annotations

import asyncio
import time

from chatport.adapters.llm import (
    AnthropicClient,
    EchoClient,
    HttpxLLMGateway,
    OllamaClient,
    OpenAICompatibleClient,
)
from chatport.domain.generation import (
    ChatTurn,
    CompletionRequest,
    Finished,
    FinishReason,
    LLMEvent,
    TextDelta,
    UsageReport,
    estimate_tokens,
)
from chatport.domain.messages import MessageRole
from chatport.domain.providers import RemoteModel, WireProtocol
from chatport.ports.llm import LLMClient, LLMGateway, ProviderEndpoint
from tests.fakes import FakeOpenAI

REQUEST = CompletionRequest(
    model="echo",
    system="Be brief.",
    turns=(
        ChatTurn(role=MessageRole.USER, content="first"),
        ChatTurn(role=MessageRole.ASSISTANT, content="You said: first"),
        ChatTurn(role=MessageRole.USER, content="how  are\nyou? "),
    ),
)


async def collect(client: LLMClient, request: CompletionRequest) -> list[LLMEvent]:
    return [event async for event in client.stream_chat(request)]


async def test_echo_streams_the_last_user_message_back_word_by_word() -> None:
    events = await collect(EchoClient(delay=0), REQUEST)

    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert [d.text for d in deltas] == ["You ", "said: ", "how  ", "are\n", "you? "]
    assert "".join(d.text for d in deltas) == "You said: how  are\nyou? "
    prompt = sum(
        estimate_tokens(t) for t in ("Be brief.", "first", "You said: first", "how  are\nyou? ")
    )
    assert events[-2:] == [
        UsageReport(
            prompt_tokens=prompt, completion_tokens=estimate_tokens("You said: how  are\nyou? ")
        ),
        Finished(FinishReason.STOP),
    ]


async def test_echo_is_deterministic() -> None:
    client = EchoClient(delay=0)

    assert await collect(client, REQUEST) == await collect(client, REQUEST)


async def test_echo_without_a_user_message_still_answers() -> None:
    request = CompletionRequest(model="echo", turns=())

    events = await collect(EchoClient(delay=0), request)

    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "You said: "
    assert events[-1] == Finished(FinishReason.STOP)


async def test_echo_waits_its_delay_between_words() -> None:
    started = time.monotonic()
    await collect(EchoClient(delay=0.02), REQUEST)

    assert time.monotonic() - started >= 4 * 0.02 * 0.9


async def test_echo_lists_its_one_model() -> None:
    assert await EchoClient().list_models() == [
        RemoteModel(model_id="echo", display_name="Echo (demo, offline)", context_window=8192)
    ]


# ----------------------------------------------------------------- gateway


def endpoint(
    protocol: WireProtocol = WireProtocol.OPENAI,
    provider_id: int = 1,
    base_url: str = "http://127.0.0.1:9/v1",
    api_key: str | None = "sk-1",
) -> ProviderEndpoint:
    return ProviderEndpoint(
        provider_id=provider_id, protocol=protocol, base_url=base_url, api_key=api_key
    )


async def wait_closed(client: OpenAICompatibleClient) -> bool:
    for _ in range(100):
        if client.is_closed:
            return True
        await asyncio.sleep(0.005)
    return False


async def test_the_gateway_builds_the_client_of_each_protocol() -> None:
    gateway = HttpxLLMGateway()
    try:
        kinds = {
            protocol: type(gateway.client_for(endpoint(protocol, provider_id=n)))
            for n, protocol in enumerate(WireProtocol)
        }
    finally:
        await gateway.aclose()

    assert kinds == {
        WireProtocol.OPENAI: OpenAICompatibleClient,
        WireProtocol.ANTHROPIC: AnthropicClient,
        WireProtocol.OLLAMA: OllamaClient,
        WireProtocol.ECHO: EchoClient,
    }


async def test_the_gateway_reuses_a_client_while_its_endpoint_is_unchanged() -> None:
    gateway: LLMGateway = HttpxLLMGateway()
    try:
        first = gateway.client_for(endpoint())
        again = gateway.client_for(endpoint())
    finally:
        await gateway.aclose()

    assert again is first


async def test_a_changed_key_replaces_the_client_and_closes_the_old_one() -> None:
    gateway = HttpxLLMGateway()
    try:
        old = gateway.client_for(endpoint(api_key="sk-1"))
        new = gateway.client_for(endpoint(api_key="sk-2"))

        assert new is not old
        assert isinstance(old, OpenAICompatibleClient)
        assert isinstance(new, OpenAICompatibleClient)
        assert await wait_closed(old)
        assert not new.is_closed
        assert gateway.client_for(endpoint(api_key="sk-2")) is new
    finally:
        await gateway.aclose()


async def test_a_changed_url_or_protocol_replaces_the_client() -> None:
    gateway = HttpxLLMGateway()
    try:
        first = gateway.client_for(endpoint())
        moved = gateway.client_for(endpoint(base_url="http://127.0.0.1:8/v1"))
        other = gateway.client_for(endpoint(WireProtocol.OLLAMA, base_url="http://127.0.0.1:8/v1"))
    finally:
        await gateway.aclose()

    assert moved is not first
    assert isinstance(other, OllamaClient)


async def test_a_replaced_client_closes_only_after_its_running_reply() -> None:
    fake = FakeOpenAI(token_delay=0.01)
    gateway = HttpxLLMGateway()
    async with fake.serve():
        try:
            old = gateway.client_for(endpoint(base_url=fake.base_url))
            request = CompletionRequest(
                model=fake.models[0], turns=(ChatTurn(role=MessageRole.USER, content="a b c d e"),)
            )
            stream = old.stream_chat(request)
            first = await anext(stream)
            gateway.client_for(endpoint(base_url=fake.base_url, api_key="sk-2"))
            rest = [event async for event in stream]
            assert isinstance(old, OpenAICompatibleClient)
            assert await wait_closed(old)
        finally:
            await gateway.aclose()

    assert first == TextDelta("Echo: ")
    assert rest[-1] == Finished(FinishReason.STOP)
    assert not fake.requests[0].disconnected.is_set()


async def test_forget_closes_the_client_and_the_next_one_is_new() -> None:
    gateway = HttpxLLMGateway()
    try:
        old = gateway.client_for(endpoint())
        await gateway.forget(1)
        await gateway.forget(99)  # unknown: nothing to do

        assert isinstance(old, OpenAICompatibleClient)
        assert await wait_closed(old)
        assert gateway.client_for(endpoint()) is not old
    finally:
        await gateway.aclose()


async def test_aclose_closes_every_client() -> None:
    gateway = HttpxLLMGateway()
    clients = [
        gateway.client_for(endpoint(protocol, provider_id=n))
        for n, protocol in enumerate(
            (WireProtocol.OPENAI, WireProtocol.ANTHROPIC, WireProtocol.OLLAMA)
        )
    ]
    # Replaces provider 0's client, which is still closing when the gateway is.
    clients.append(gateway.client_for(endpoint(provider_id=0, api_key="sk-other")))

    await gateway.aclose()

    for client in clients:
        assert isinstance(client, OpenAICompatibleClient | AnthropicClient | OllamaClient)
        assert client.is_closed


async def test_the_echo_endpoint_uses_the_gateways_delay() -> None:
    gateway = HttpxLLMGateway(echo_delay=0)
    try:
        client = gateway.client_for(
            endpoint(WireProtocol.ECHO, base_url="echo://demo", api_key=None)
        )
        events = await collect(client, REQUEST)
    finally:
        await gateway.aclose()

    assert events[-1] == Finished(FinishReason.STOP)
