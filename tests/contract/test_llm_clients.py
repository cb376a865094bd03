"""The LLMClient contract, for every HTTP adapter against a fake of its provider.

The fakes are real HTTP servers (``tests.fakes``), one per wire format, shared by
the module and reset before each test; timeouts are cut to fractions of a second.
"""

from __future__ import annotations

import email.utils
import socket
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from typing import Any, cast

import msgspec
import pytest

from chatport.adapters.llm import (
    AnthropicClient,
    HttpTransport,
    OllamaClient,
    OpenAICompatibleClient,
)
from chatport.adapters.llm.framing import NDJSONDecoder, SSEDecoder
from chatport.domain.generation import (
    ChatTurn,
    CompletionRequest,
    ContextTooLong,
    Finished,
    FinishReason,
    ImagePart,
    LLMEvent,
    MalformedStream,
    ModelNotFound,
    ProviderAuthFailed,
    ProviderError,
    ProviderRateLimited,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
    TextDelta,
    UsageReport,
)
from chatport.domain.messages import MessageRole
from tests.fakes import Behaviour, FakeAnthropic, FakeOllama, FakeOpenAI, FakeProvider
from tests.fakes.providers import Interruption
from tests.fakes.wire import ErrorKind

Client = OpenAICompatibleClient | AnthropicClient | OllamaClient
MakeClient = Callable[..., Client]
Stream = AsyncGenerator[LLMEvent, None]

KEY = "sk-test-0123456789abcdef"
SHORT = 0.3  # every timeout under test
ADAPTERS: dict[str, type[Client]] = {
    "openai": OpenAICompatibleClient,
    "anthropic": AnthropicClient,
    "ollama": OllamaClient,
}


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, FakeProvider]]:
    with (
        FakeOpenAI().serve_in_thread() as openai,
        FakeAnthropic().serve_in_thread() as anthropic,
        FakeOllama().serve_in_thread() as ollama,
    ):
        yield {"openai": openai, "anthropic": anthropic, "ollama": ollama}


@pytest.fixture(params=list(ADAPTERS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake(fakes: dict[str, FakeProvider], kind: str) -> FakeProvider:
    fake = fakes[kind]
    fake.reset()
    return fake


@pytest.fixture
async def make_client(fake: FakeProvider, kind: str) -> AsyncIterator[MakeClient]:
    made: list[Client] = []

    def make(
        api_key: str | None = KEY,
        *,
        base_url: str | None = None,
        first_byte: float = SHORT,
        idle: float = SHORT,
    ) -> Client:
        transport = HttpTransport(
            connect_timeout=SHORT, first_byte_timeout=first_byte, idle_timeout=idle
        )
        client = ADAPTERS[kind](base_url or fake.base_url, api_key, transport=transport)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def client(make_client: MakeClient) -> Client:
    return make_client()


def ask(fake: FakeProvider, text: str = "hello there world", **options: Any) -> CompletionRequest:
    return CompletionRequest(
        model=options.pop("model", fake.models[0]),
        turns=(ChatTurn(role=MessageRole.USER, content=text),),
        **options,
    )


async def collect(client: Client, request: CompletionRequest) -> list[LLMEvent]:
    return [event async for event in client.stream_chat(request)]


async def fail(client: Client, request: CompletionRequest) -> tuple[str, ProviderError]:
    """The text that arrived before the stream failed, and the failure."""
    text = ""
    try:
        async for event in client.stream_chat(request):
            if isinstance(event, TextDelta):
                text += event.text
    except ProviderError as exc:
        return text, exc
    raise AssertionError(f"the stream did not fail; it said {text!r}")


def text_of(events: list[LLMEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


# ------------------------------------------------------------------ replies


async def test_deltas_join_into_the_reply_then_usage_then_finish(
    client: Client, fake: FakeProvider
) -> None:
    events = await collect(client, ask(fake, "hello there world"))

    tokens = fake.reply_for("hello there world")
    assert [e for e in events if isinstance(e, TextDelta)] == [TextDelta(t) for t in tokens]
    assert text_of(events) == "Echo: hello there world"
    assert events[-2:] == [
        UsageReport(prompt_tokens=3, completion_tokens=4),
        Finished(FinishReason.STOP),
    ]


PIXEL = (  # a 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

# The last user message with one image, as each API takes it.
IMAGE_WIRE: dict[str, Any] = {
    "openai": {
        "role": "user",
        "content": [
            {"type": "text", "text": "what is this"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}},
        ],
    },
    "anthropic": {
        "role": "user",
        "content": [
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": PIXEL},
            },
            {"type": "text", "text": "what is this"},
        ],
    },
    "ollama": {"role": "user", "content": "what is this", "images": [PIXEL]},
}


async def test_images_go_in_each_providers_own_form(
    client: Client, fake: FakeProvider, kind: str
) -> None:
    image = ImagePart(mime_type="image/png", data=PIXEL)
    request = CompletionRequest(
        model=fake.models[0],
        turns=(
            ChatTurn(role=MessageRole.USER, content="earlier"),
            ChatTurn(role=MessageRole.ASSISTANT, content="yes"),
            ChatTurn(role=MessageRole.USER, content="what is this", images=(image,)),
        ),
    )

    events = await collect(client, request)

    assert text_of(events) == "Echo: what is this"
    sent = next(r for r in fake.requests if r.method == "POST").body["messages"]
    assert sent[-1] == IMAGE_WIRE[kind]
    assert sent[0]["content"] == "earlier"  # a turn without images stays plain text


async def test_a_reply_cut_by_max_tokens_finishes_with_length(
    client: Client, fake: FakeProvider
) -> None:
    events = await collect(client, ask(fake, "one two three four", max_tokens=2))

    assert text_of(events) == "Echo: one "
    assert events[-1] == Finished(FinishReason.LENGTH)


async def test_a_long_reply_streams_every_token(client: Client, fake: FakeProvider) -> None:
    fake.reply_tokens = 500

    events = await collect(client, ask(fake))

    assert text_of(events) == "".join(f"w{i} " for i in range(500))
    assert events[-2] == UsageReport(prompt_tokens=3, completion_tokens=500)


async def test_connections_are_kept_alive_between_replies(
    client: Client, fake: FakeProvider
) -> None:
    await collect(client, ask(fake))
    await collect(client, ask(fake))
    await client.list_models()

    ports = {r.client_port for r in fake.requests}
    assert len(ports) == 1


# ------------------------------------------------------------ the wire shape

CONVERSATION = CompletionRequest(
    model="",
    system="Be brief.",
    turns=(
        ChatTurn(role=MessageRole.USER, content="Hi"),
        ChatTurn(role=MessageRole.ASSISTANT, content="Hello!"),
        ChatTurn(role=MessageRole.USER, content="Name a colour"),
    ),
    max_tokens=100,
    temperature=0.5,
)
TURNS = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello!"},
    {"role": "user", "content": "Name a colour"},
]
SYSTEM = {"role": "system", "content": "Be brief."}


def expected_body(kind: str, model: str) -> dict[str, Any]:
    if kind == "openai":
        return {
            "model": model,
            "messages": [SYSTEM, *TURNS],
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": 100,
            "temperature": 0.5,
        }
    if kind == "anthropic":
        return {
            "model": model,
            "system": "Be brief.",
            "messages": TURNS,
            "max_tokens": 100,
            "stream": True,
            "temperature": 0.5,
        }
    return {
        "model": model,
        "messages": [SYSTEM, *TURNS],
        "stream": True,
        "options": {"num_predict": 100, "temperature": 0.5},
    }


async def test_the_request_has_the_providers_shape(
    client: Client, fake: FakeProvider, kind: str
) -> None:
    model = fake.models[1]
    await collect(client, msgspec.structs.replace(CONVERSATION, model=model))

    (sent,) = fake.requests
    assert sent.method == "POST"
    assert sent.path == fake.wire.chat_path
    assert sent.body == expected_body(kind, model)
    assert sent.headers["content-type"] == "application/json"
    if kind == "anthropic":
        assert sent.headers["x-api-key"] == KEY
        assert sent.headers["anthropic-version"] == "2023-06-01"
        assert "authorization" not in sent.headers
    else:
        assert sent.headers["authorization"] == f"Bearer {KEY}"


async def test_no_key_sends_no_credentials(make_client: MakeClient, fake: FakeProvider) -> None:
    await collect(make_client(None), ask(fake))

    headers = fake.requests[-1].headers
    assert "authorization" not in headers
    assert "x-api-key" not in headers


async def test_list_models(client: Client, fake: FakeProvider) -> None:
    models = await client.list_models()

    assert [m.model_id for m in models] == fake.models
    assert fake.requests[-1].path == fake.wire.models_path


async def test_anthropic_turns_alternate_and_system_turns_join_the_system_prompt(
    fakes: dict[str, FakeProvider],
) -> None:
    fake = fakes["anthropic"]
    fake.reset()
    client = AnthropicClient(fake.base_url, KEY)
    request = CompletionRequest(
        model=fake.models[0],
        system="Be brief.",
        turns=(
            ChatTurn(role=MessageRole.ASSISTANT, content="Welcome!"),
            ChatTurn(role=MessageRole.USER, content="One"),
            ChatTurn(role=MessageRole.SYSTEM, content="Answer in French."),
            ChatTurn(role=MessageRole.USER, content="Two"),
            ChatTurn(role=MessageRole.ASSISTANT, content=""),
            ChatTurn(role=MessageRole.ASSISTANT, content="Deux"),
            ChatTurn(role=MessageRole.USER, content="Three"),
        ),
    )
    try:
        await collect(client, request)
    finally:
        await client.aclose()

    body = fake.requests[-1].body
    assert body["system"] == "Be brief.\n\nAnswer in French."
    assert body["messages"] == [
        {"role": "user", "content": "One\n\nTwo"},
        {"role": "assistant", "content": "Deux"},
        {"role": "user", "content": "Three"},
    ]
    assert body["max_tokens"] == 4096


# ---------------------------------------------------------------- refusals


async def test_a_refused_key_is_auth_failed_and_the_key_is_never_repeated(
    make_client: MakeClient, fake: FakeProvider
) -> None:
    fake.api_key = "the-right-key"
    client = make_client(KEY)

    _, error = await fail(client, ask(fake))
    with pytest.raises(ProviderAuthFailed) as listing:
        await client.list_models()

    assert isinstance(error, ProviderAuthFailed)
    assert error.status == 401
    assert "refused the API key" in error.message
    for message in (error.message, str(error), listing.value.message):
        assert KEY not in message


async def test_forbidden_is_auth_failed(client: Client, fake: FakeProvider) -> None:
    fake.script.append(Behaviour(error="forbidden"))

    _, error = await fail(client, ask(fake))

    assert isinstance(error, ProviderAuthFailed)
    assert error.status == 403


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("7", {"openai": 7.0, "anthropic": 7.0, "ollama": 7.0}, id="seconds"),
        pytest.param(
            None, {"openai": 6.0, "anthropic": 6.0, "ollama": None}, id="provider-headers"
        ),
        pytest.param("date", {"openai": 30.0, "anthropic": 30.0, "ollama": 30.0}, id="http-date"),
    ],
)
async def test_429_is_rate_limited_with_retry_after(
    client: Client,
    fake: FakeProvider,
    kind: str,
    header: str | None,
    expected: dict[str, float | None],
) -> None:
    if header == "date":
        header = email.utils.formatdate(time.time() + 30, usegmt=True)
    fake.script.append(Behaviour(error="rate_limit", retry_after=header))

    _, error = await fail(client, ask(fake))

    assert isinstance(error, ProviderRateLimited)
    assert error.status == 429
    want = expected[kind]
    if want is None:
        assert error.retry_after is None
    else:
        assert error.retry_after == pytest.approx(want, abs=1.5)


async def test_an_unknown_model_is_model_not_found(client: Client, fake: FakeProvider) -> None:
    _, error = await fail(client, ask(fake, model="no-such-model"))

    assert isinstance(error, ModelNotFound)
    assert "no-such-model" in error.message


async def test_a_prompt_too_long_is_context_too_long(client: Client, fake: FakeProvider) -> None:
    fake.script.append(Behaviour(error="context"))

    _, error = await fail(client, ask(fake))

    assert isinstance(error, ContextTooLong)
    assert error.status == 400


async def test_another_4xx_is_rejected_with_the_providers_words(
    client: Client, fake: FakeProvider
) -> None:
    fake.script.append(Behaviour(error="bad_request"))

    _, error = await fail(client, ask(fake))

    assert isinstance(error, ProviderRejected)
    assert error.status == 400
    assert "The provider said:" in error.message


async def test_a_5xx_is_unavailable(client: Client, fake: FakeProvider) -> None:
    fake.script.append(Behaviour(error="server"))

    _, error = await fail(client, ask(fake))

    assert isinstance(error, ProviderUnavailable)
    assert error.status == 500


async def test_no_error_message_holds_the_key(client: Client, fake: FakeProvider) -> None:
    fake.api_key = KEY
    kinds: list[ErrorKind] = [
        "forbidden",
        "model",
        "rate_limit",
        "context",
        "server",
        "bad_request",
    ]
    fake.script.extend(Behaviour(error=k) for k in kinds)

    for _ in kinds:
        _, error = await fail(client, ask(fake))
        assert KEY not in error.message


# ------------------------------------------------------ broken streams


@pytest.mark.parametrize("how", ["cut", "end"])
async def test_a_stream_that_stops_without_a_finish_is_malformed(
    client: Client, fake: FakeProvider, how: Interruption
) -> None:
    fake.script.append(Behaviour(interrupt=how, after_tokens=2))

    text, error = await fail(client, ask(fake, "a b c d"))

    assert isinstance(error, MalformedStream)
    assert text == "Echo: a "


async def test_a_line_that_is_not_json_is_malformed(client: Client, fake: FakeProvider) -> None:
    fake.script.append(Behaviour(interrupt="malformed", after_tokens=2))

    text, error = await fail(client, ask(fake, "a b c d"))

    assert isinstance(error, MalformedStream)
    assert text == "Echo: a "


async def test_an_error_inside_the_stream_is_unavailable(
    client: Client, fake: FakeProvider
) -> None:
    fake.script.append(Behaviour(interrupt="error", after_tokens=1))

    text, error = await fail(client, ask(fake, "a b c d"))

    assert isinstance(error, ProviderUnavailable)
    assert text == "Echo: "


# ----------------------------------------------------------------- timeouts


async def test_a_slow_first_byte_times_out(make_client: MakeClient, fake: FakeProvider) -> None:
    fake.script.append(Behaviour(first_byte_delay=3))
    client = make_client(first_byte=SHORT, idle=5)

    started = time.monotonic()
    _, error = await fail(client, ask(fake))

    assert isinstance(error, ProviderTimeout)
    assert time.monotonic() - started < 1.5
    assert await fake.wait_disconnected()


async def test_a_silence_mid_stream_times_out(make_client: MakeClient, fake: FakeProvider) -> None:
    fake.script.append(Behaviour(interrupt="hang", after_tokens=2, hang_seconds=3))
    client = make_client(first_byte=5, idle=SHORT)

    started = time.monotonic()
    text, error = await fail(client, ask(fake, "a b c d"))

    assert isinstance(error, ProviderTimeout)
    assert text == "Echo: a "
    assert time.monotonic() - started < 1.5


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_nothing_listening_is_unavailable(
    make_client: MakeClient, fake: FakeProvider
) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{_closed_port()}{fake.wire.prefix}")

    _, error = await fail(client, ask(fake))
    with pytest.raises(ProviderUnavailable):
        await client.list_models()

    assert isinstance(error, ProviderUnavailable)
    assert "Could not reach the provider" in error.message


# ---------------------------------------------------------------- stopping


async def test_closing_the_stream_early_stops_the_provider(
    client: Client, fake: FakeProvider
) -> None:
    fake.reply_tokens = 200
    fake.token_delay = 0.01
    stream = cast(Stream, client.stream_chat(ask(fake)))

    first = await anext(stream)
    await stream.aclose()

    assert isinstance(first, TextDelta)
    assert await fake.wait_disconnected()
    assert fake.requests[-1].tokens_sent < 200


async def test_a_fake_served_in_this_event_loop_works_the_same(kind: str) -> None:
    fake = {"openai": FakeOpenAI, "anthropic": FakeAnthropic, "ollama": FakeOllama}[kind](
        token_delay=0.01
    )
    async with fake.serve():
        client = ADAPTERS[kind](fake.base_url)
        try:
            stream = cast(Stream, client.stream_chat(ask(fake, "a b c d e f")))
            assert await anext(stream) == TextDelta("Echo: ")
            await stream.aclose()
            assert await fake.wait_disconnected()
            assert text_of(await collect(client, ask(fake, "x y"))) == "Echo: x y"
        finally:
            await client.aclose()


# ------------------------------------------------- the framing they share


def test_sse_events_are_cut_at_blank_lines_whatever_the_chunks() -> None:
    stream = (
        b": comment\r\n"
        b'event: message_start\r\ndata: {"a": 1}\r\n\r\n'
        b"data: line one\ndata:line two\n\n"
        b"id: 7\nretry: 10\ndata: [DONE]\n\n"
        b"data: never finished"
    )
    for size in (1, 3, 7, len(stream)):
        decoder = SSEDecoder()
        events = []
        for start in range(0, len(stream), size):
            events += decoder.feed(stream[start : start + size])

        assert events == [
            (b"message_start", b'{"a": 1}'),
            (b"", b"line one\nline two"),
            (b"", b"[DONE]"),
        ]


def test_ndjson_lines_are_cut_whatever_the_chunks() -> None:
    decoder = NDJSONDecoder()

    lines = decoder.feed(b'{"a": 1}\n\n{"b"') + decoder.feed(b": 2}\n")

    assert lines == [b'{"a": 1}', b'{"b": 2}']
