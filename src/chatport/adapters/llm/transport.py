"""One pooled HTTP client per provider, with the timeouts a streamed reply needs.

Three clocks: ``connect`` (TCP and TLS), ``first_byte`` (from sending the request
until the headers and the first event are in; models may think a while before
they answer) and ``idle`` (the longest silence allowed once the reply flows).

The client is aiohttp's: at a thousand concurrent streams httpx spent about 82 µs
of CPU per relayed token (httpcore's pool scans its connections on every request
and response event), aiohttp about 16 µs with the same decoders.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import aiohttp
import msgspec

from chatport.adapters.llm.errors import status_error
from chatport.domain.generation import (
    MalformedStream,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
)

T = TypeVar("T")

# After the last event the body's end is normally already on the wire; reading it
# lets the connection go back to the pool instead of being closed.
_DRAIN_SECONDS = 1.0
# An idle kept-alive connection is dropped after this long: below the keep-alive
# timeouts providers and their proxies commonly use (5 s for Node, uvicorn and many
# load balancers), so the provider is rarely the one to close it first.
KEEPALIVE_SECONDS = 4.0
# A POST cannot be retried blindly; one that failed on a kept-alive connection
# before any answer came is safe to send again: the provider closed that connection
# (idle) before reading the request.
_STALE = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)
# CPython's SSL transports leaked when aborted before 3.12.8 / 3.13.1; aiohttp warns
# that the workaround is deprecated on the versions without the bug.
_CLEANUP_CLOSED = sys.version_info < (3, 12, 8) or (3, 13, 0) <= sys.version_info < (3, 13, 1)


class HttpTransport:
    """An ``aiohttp.ClientSession`` (HTTP/1.1 keep-alive) shared by all of one
    provider's requests, and the mapping of transport failures to domain errors.

    ``max_connections`` caps concurrent requests to the provider. The session is
    made on first use, inside the running event loop; idle connections are kept up
    to ``max_keepalive_connections`` (0 turns keep-alive off; aiohttp has no cap
    between 0 and ``max_connections``, so any other value keeps them all) for
    ``KEEPALIVE_SECONDS``.
    """

    def __init__(
        self,
        *,
        connect_timeout: float = 10.0,
        first_byte_timeout: float = 60.0,
        idle_timeout: float = 60.0,
        max_connections: int = 1000,
        max_keepalive_connections: int | None = None,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.first_byte_timeout = first_byte_timeout
        self.idle_timeout = idle_timeout
        self._max_connections = max_connections
        self._keepalive = max_keepalive_connections != 0
        # Until the first event, the asyncio clock of ``first_byte`` is the only
        # one; the socket's read clock is set to ``idle`` once the reply flows.
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=None, sock_connect=connect_timeout, sock_read=None
        )
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def is_closed(self) -> bool:
        return self._closed

    async def aclose(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def aclose_when_idle(self) -> None:
        """Close once no stream is running, so a replaced client does not cut the
        replies still streaming through it."""
        await self._idle.wait()
        await self.aclose()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is not None:
            return self._session
        if self._closed:
            raise ProviderUnavailable("The connection to this provider was closed")
        trace = aiohttp.TraceConfig()
        trace.on_connection_reuseconn.append(_mark_reused)
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            limit_per_host=0,
            force_close=not self._keepalive,
            keepalive_timeout=KEEPALIVE_SECONDS if self._keepalive else None,
            enable_cleanup_closed=_CLEANUP_CLOSED,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            headers={"user-agent": "chatport"},
            trace_configs=[trace],
        )
        return self._session

    async def get(self, url: str, headers: dict[str, str], *, secret: str | None) -> bytes:
        """The body of a 2xx answer to a GET, within the first-byte timeout.

        aiohttp sends a GET again by itself when a kept-alive connection fails."""
        session = self._client()
        try:
            async with asyncio.timeout(self.first_byte_timeout):
                async with session.get(url, headers=headers) as response:
                    body = await response.read()
        except aiohttp.ClientError as exc:
            raise self._unreachable(url, exc) from None
        except TimeoutError:
            raise self._no_answer() from None
        if not 200 <= response.status < 300:
            raise status_error(response.status, response.headers, body, model=None, secret=secret)
        return body

    @contextlib.asynccontextmanager
    async def stream(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        feed: Callable[[bytes], list[T]],
        *,
        model: str,
        secret: str | None,
    ) -> AsyncIterator[EventStream[T]]:
        """POST ``body`` and read the reply as batches of events cut by ``feed``.

        Entering waits, within the first-byte timeout, for a 2xx and the first
        event; a refusal is raised here as its domain error. Leaving closes the
        response, which drops the connection if the body was not read to its end:
        that is how an abandoned reply stops the provider's work.
        """
        session = self._client()
        self._enter()
        response: aiohttp.ClientResponse | None = None
        try:
            try:
                async with asyncio.timeout(self.first_byte_timeout):
                    response = await self._post(session, url, body, headers)
                    if not 200 <= response.status < 300:
                        error_body = await response.read()
                        raise status_error(
                            response.status,
                            response.headers,
                            error_body,
                            model=model,
                            secret=secret,
                        )
                    chunks = response.content.iter_any()
                    first = await _first_batch(chunks, feed)
                    # From now on silences are measured by the idle clock.
                    _read_clock(response, self.idle_timeout)
            except aiohttp.ClientError as exc:
                raise self._unreachable(url, exc) from None
            except TimeoutError:
                raise self._no_answer() from None
            events = EventStream(chunks, first, feed, self.idle_timeout)
            try:
                yield events
            finally:
                await events.aclose()
        finally:
            if response is not None:
                if response.content.at_eof():
                    response.release()
                else:
                    response.close()
            self._leave()

    async def _post(
        self, session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]
    ) -> aiohttp.ClientResponse:
        """The response's head; sent a second time if a kept-alive connection turned
        out closed before any of it came."""
        for attempt in (1, 2):
            reused = SimpleNamespace(connection=False)
            try:
                return await session.post(url, data=body, headers=headers, trace_request_ctx=reused)
            except aiohttp.ClientConnectorError:
                raise
            except _STALE:
                if attempt == 2 or not reused.connection:
                    raise
        raise AssertionError("unreachable")

    def _enter(self) -> None:
        self._active += 1
        self._idle.clear()

    def _leave(self) -> None:
        self._active -= 1
        if not self._active:
            self._idle.set()

    def _no_answer(self) -> ProviderTimeout:
        return ProviderTimeout(
            f"The provider did not start answering within {self.first_byte_timeout:g} s"
        )

    def _unreachable(self, url: str, exc: aiohttp.ClientError) -> ProviderError:
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            return ProviderTimeout(
                f"Could not connect to the provider within {self.connect_timeout:g} s"
            )
        if isinstance(exc, aiohttp.ServerTimeoutError):
            return self._no_answer()
        # Never echo credentials a URL may carry (user:password@host).
        where = urlsplit(url).netloc.rpartition("@")[2]
        if isinstance(exc, aiohttp.ClientConnectorError):
            return ProviderUnavailable(f"Could not reach the provider at {where}")
        return ProviderUnavailable(f"The connection to the provider at {where} failed")


async def _mark_reused(
    session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
) -> None:
    """Trace hook: the request went out on a kept-alive connection."""
    reused = context.trace_request_ctx
    if isinstance(reused, SimpleNamespace):
        reused.connection = True


def _read_clock(response: aiohttp.ClientResponse, seconds: float) -> None:
    """Start the socket's read timeout (``sock_read``) of a response whose head is
    in: a silence longer than ``seconds`` then fails the body's reads."""
    connection = response.connection
    protocol = connection.protocol if connection is not None else None
    if protocol is not None:
        protocol.read_timeout = seconds
        protocol.start_timeout()


class EventStream(Generic[T]):
    """The events of a reply, in the batches they arrived in."""

    __slots__ = ("_batches", "_chunks", "_feed", "_first", "_idle_timeout")

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        first: list[T],
        feed: Callable[[bytes], list[T]],
        idle_timeout: float,
    ) -> None:
        self._chunks = chunks
        self._first = first
        self._feed = feed
        self._idle_timeout = idle_timeout
        self._batches: AsyncGenerator[list[T], None] = self._read()

    def __aiter__(self) -> AsyncIterator[list[T]]:
        return self._batches

    async def _read(self) -> AsyncGenerator[list[T], None]:
        if self._first:
            yield self._first
        feed = self._feed
        try:
            async for chunk in self._chunks:
                batch = feed(chunk)
                if batch:
                    yield batch
        except TimeoutError:
            raise ProviderTimeout(
                f"The provider went silent for more than {self._idle_timeout:g} s"
            ) from None
        except aiohttp.ClientError:
            raise MalformedStream(
                "The connection to the provider broke before the reply finished"
            ) from None

    async def drain(self) -> None:
        """Read what is left of the body, briefly, once the last event is in."""
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with asyncio.timeout(_DRAIN_SECONDS):
                async for _ in self._chunks:
                    pass

    async def aclose(self) -> None:
        await self._batches.aclose()


async def _first_batch(chunks: AsyncIterator[bytes], feed: Callable[[bytes], list[T]]) -> list[T]:
    async for chunk in chunks:
        batch = feed(chunk)
        if batch:
            return batch
    return []


class TransportClient:
    """What every HTTP adapter shares: its transport's lifecycle, and reading a JSON
    answer that must have a shape."""

    _transport: HttpTransport
    _api_key: str | None

    @property
    def is_closed(self) -> bool:
        return self._transport.is_closed

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def aclose_when_idle(self) -> None:
        await self._transport.aclose_when_idle()

    async def _get_json(
        self, url: str, headers: dict[str, str], decoder: msgspec.json.Decoder[T]
    ) -> T:
        body = await self._transport.get(url, headers, secret=self._api_key)
        try:
            return decoder.decode(body)
        except msgspec.DecodeError as exc:
            raise MalformedStream(f"The provider's model list is not readable: {exc}") from None
