"""One pooled HTTP client per provider, with the timeouts a streamed reply needs.

Three clocks: ``connect`` (TCP and TLS), ``first_byte`` (from sending the request
until the headers and the first event are in; models may think a while before
they answer) and ``idle`` (the longest silence allowed once the reply flows).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Generic, TypeVar
from urllib.parse import urlsplit

import httpx
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


class HttpTransport:
    """An ``httpx.AsyncClient`` (HTTP/1.1 keep-alive) shared by all of one
    provider's requests, and the mapping of transport failures to domain errors.

    ``max_connections`` caps concurrent requests to the provider (httpx's default
    of 100 is too low for a relay); idle connections kept for reuse default to the
    same number.
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
        keepalive = (
            max_connections if max_keepalive_connections is None else max_keepalive_connections
        )
        self._http = httpx.AsyncClient(
            http1=True,
            http2=False,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=keepalive
            ),
            timeout=httpx.Timeout(
                connect=connect_timeout,
                read=idle_timeout,
                write=idle_timeout,
                pool=first_byte_timeout,
            ),
            headers={"user-agent": "chatport"},
        )
        # The headers phase waits as long as the first-byte clock allows.
        self._head_timeout = httpx.Timeout(
            connect=connect_timeout,
            read=first_byte_timeout,
            write=idle_timeout,
            pool=first_byte_timeout,
        ).as_dict()
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def is_closed(self) -> bool:
        return self._http.is_closed

    async def aclose(self) -> None:
        await self._http.aclose()

    async def aclose_when_idle(self) -> None:
        """Close once no stream is running, so a replaced client does not cut the
        replies still streaming through it."""
        await self._idle.wait()
        await self._http.aclose()

    async def get(self, url: str, headers: dict[str, str], *, secret: str | None) -> bytes:
        """The body of a 2xx answer to a GET, within the first-byte timeout."""
        try:
            async with asyncio.timeout(self.first_byte_timeout):
                response = await self._http.get(url, headers=headers)
        except TimeoutError:
            raise self._no_answer() from None
        except httpx.RequestError as exc:
            raise self._unreachable(url, exc) from None
        if not response.is_success:
            raise status_error(response, model=None, secret=secret)
        return response.content

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
        request = self._http.build_request(
            "POST",
            url,
            content=body,
            headers=headers,
            extensions={"timeout": dict(self._head_timeout)},
        )
        self._enter()
        response: httpx.Response | None = None
        try:
            try:
                async with asyncio.timeout(self.first_byte_timeout):
                    response = await self._http.send(request, stream=True)
                    if not response.is_success:
                        await response.aread()
                        raise status_error(response, model=model, secret=secret)
                    # From now on silences are measured by the idle clock; httpx reads
                    # the request's timeouts when the body starts.
                    request.extensions["timeout"]["read"] = self.idle_timeout
                    chunks = response.aiter_bytes()
                    first = await _first_batch(chunks, feed)
            except TimeoutError:
                raise self._no_answer() from None
            except httpx.RequestError as exc:
                raise self._unreachable(url, exc) from None
            events = EventStream(chunks, first, feed, self.idle_timeout)
            try:
                yield events
            finally:
                await events.aclose()
        finally:
            if response is not None:
                await response.aclose()
            self._leave()

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

    def _timed_out(self, exc: httpx.TimeoutException) -> ProviderTimeout:
        if isinstance(exc, httpx.ConnectTimeout):
            return ProviderTimeout(
                f"Could not connect to the provider within {self.connect_timeout:g} s"
            )
        if isinstance(exc, httpx.PoolTimeout):
            return ProviderTimeout("Too many requests to this provider are already running")
        return self._no_answer()

    def _unreachable(self, url: str, exc: httpx.RequestError) -> ProviderError:
        if isinstance(exc, httpx.TimeoutException):
            return self._timed_out(exc)
        # Never echo credentials a URL may carry (user:password@host).
        where = urlsplit(url).netloc.rpartition("@")[2]
        if isinstance(exc, httpx.ConnectError):
            return ProviderUnavailable(f"Could not reach the provider at {where}")
        return ProviderUnavailable(f"The connection to the provider at {where} failed")


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
        except httpx.TimeoutException:
            raise ProviderTimeout(
                f"The provider went silent for more than {self._idle_timeout:g} s"
            ) from None
        except httpx.RequestError:
            raise MalformedStream(
                "The connection to the provider broke before the reply finished"
            ) from None

    async def drain(self) -> None:
        """Read what is left of the body, briefly, once the last event is in."""
        with contextlib.suppress(httpx.RequestError, TimeoutError):
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
