"""The stream bus over Redis Streams: a run's events, readable from every instance."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from chatport.domain.errors import StorageUnavailable
from chatport.domain.generation import RunEvent

log = logging.getLogger(__name__)

CancelHandler = Callable[[str], Awaitable[None]]

_FIELD = "e"
# The shared XREAD blocks this long at most, so a stream that just gained its
# first local reader joins the read within this time.
_BLOCK_MS = 100
# Entries per stream per read, for the backlog and the shared read alike.
_READ_COUNT = 500
# Backlog reads at once per bus: 1,000 readers arriving together share this many
# pooled connections instead of opening one each.
_BACKLOG_READS = 4
# How long the shared reader waits before each retry when Redis drops it.
_RETRY_DELAYS = (0.05, 0.25, 1.0)
_UNAVAILABLE = "The stream bus (Redis) is unavailable"
_DOWN = (RedisConnectionError, RedisTimeoutError)
_decoder = msgspec.json.Decoder(RunEvent)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _decode(entries: Iterable[tuple[Any, Any]] | None) -> list[RunEvent]:
    # The entry id equals the event id by construction, so only the payload is read.
    return [_decoder.decode(next(iter(fields.values()))) for _, fields in entries or () if fields]


def _streams(reply: Any) -> Iterable[tuple[Any, Any]]:
    # RESP2 answers XREAD with a list of [key, entries], RESP3 with a dict.
    if isinstance(reply, dict):
        return reply.items()
    return ((item[0], item[1]) for item in reply or ())


class _Subscriber:
    """One local reader's mailbox, filled by the shared reader."""

    __slots__ = ("closed", "error", "events", "overflowed", "wake")

    def __init__(self) -> None:
        self.events: deque[RunEvent] = deque()
        self.wake = asyncio.Event()
        # Set when the reader dropped it for falling too far behind: it reads on
        # from Redis by id, then joins again.
        self.overflowed = False
        self.closed = False
        self.error: StorageUnavailable | None = None


class _Tail:
    """The shared reader's position in one stream: every event above ``cursor``
    reaches every subscriber listed when the reader fans it out."""

    __slots__ = ("cursor", "subscribers")

    def __init__(self, cursor: int) -> None:
        self.cursor = cursor
        self.subscribers: set[_Subscriber] = set()


class RedisStreamBus:
    """``StreamBus`` over one Redis Stream per run, key ``{prefix}run:{run_id}``.

    Contract, beyond the port's:
    - An event is stored with the entry id ``"{event.id}-0"``, so ``publish``
      refuses (``ValueError``) an id not above the run's last one.
    - Streams are trimmed to about ``max_len`` entries (``MAXLEN ~``: whole nodes
      go, so a few more may stay). Each publish sets the key to expire after
      ``idle_expiry`` seconds, so an abandoned run vanishes; the terminal event sets
      ``retention`` instead.
    - Subscribers share one background XREAD per bus (on one pooled connection)
      and at most ``_BACKLOG_READS`` backlog reads at a time, so the connections
      used do not grow with the number of subscribers. A subscriber more than
      ``subscriber_buffer`` events behind reads on from Redis by id.
    - ``request_cancel`` PUBLISHes the run id on ``{prefix}cancel``; the first
      ``on_cancel`` subscribes (listening once it returns) and starts one listener
      task that awaits the handlers in turn.
    - Redis errors surface as ``StorageUnavailable``, in subscribers too.
    - ``aclose`` stops the background tasks and ends open subscriptions; the
      client is borrowed and stays open.
    """

    def __init__(
        self,
        redis: Redis,
        prefix: str = "chatport:",
        retention: int = 300,
        max_len: int = 10_000,
        idle_expiry: int = 3600,
        *,
        subscriber_buffer: int = 1024,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._retention = retention
        self._max_len = max_len
        self._idle_expiry = idle_expiry
        self._buffer = subscriber_buffer
        self._channel = f"{prefix}cancel"
        self._tails: dict[str, _Tail] = {}
        self._wanted = asyncio.Event()
        self._backlog_reads = asyncio.Semaphore(_BACKLOG_READS)
        self._reader: asyncio.Task[None] | None = None
        self._handlers: list[CancelHandler] = []
        self._pubsub: PubSub | None = None
        self._listener: asyncio.Task[None] | None = None
        self._listen_lock = asyncio.Lock()
        self._closed = False

    # ------------------------------------------------------------ the port

    async def publish(self, run_id: str, event: RunEvent) -> None:
        if event.id < 1:
            raise ValueError("event ids start at 1")
        key = self._key(run_id)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.xadd(
                    key,
                    {_FIELD: msgspec.json.encode(event)},
                    id=f"{event.id}-0",
                    maxlen=self._max_len,
                    approximate=True,
                )
                pipe.expire(key, self._retention if event.is_terminal else self._idle_expiry)
                await pipe.execute()
        except ResponseError as exc:
            if "equal or smaller" in str(exc):
                raise ValueError(
                    f"event id {event.id} is not above the last in run {run_id}"
                ) from exc
            raise StorageUnavailable(_UNAVAILABLE) from exc
        except _DOWN as exc:
            raise StorageUnavailable(_UNAVAILABLE) from exc

    async def subscribe(self, run_id: str, after: int = 0) -> AsyncIterator[RunEvent]:
        key = self._key(run_id)
        if self._closed:
            return
        batch = await self._range(key, after)
        if not batch and await self._over(key):
            return
        sub = _Subscriber()
        last, joined, from_redis = after, False, True
        try:
            while True:
                for event in batch:
                    # Backlog and fan-out overlap on joining; ids drop the repeats.
                    if event.id <= last:
                        continue
                    yield event
                    if event.is_terminal:
                        return
                    last = event.id
                if from_redis and len(batch) == _READ_COUNT:
                    batch = await self._range(key, last)
                elif not joined:
                    if self._closed:
                        return
                    joined = True
                    # Events up to the reader's cursor went out before we joined.
                    if self._join(key, sub, last) > last:
                        batch, from_redis = await self._range(key, last), True
                    else:
                        batch, from_redis = [], False
                elif sub.events:
                    batch, from_redis = list(sub.events), False
                    sub.events.clear()
                elif sub.error is not None:
                    raise sub.error
                elif sub.closed:
                    return
                elif sub.overflowed:
                    sub.overflowed, joined = False, False
                    batch, from_redis = await self._range(key, last), True
                else:
                    sub.wake.clear()
                    await sub.wake.wait()
                    batch = []
        finally:
            self._leave(key, sub)

    async def exists(self, run_id: str) -> bool:
        try:
            return bool(await self._redis.exists(self._key(run_id)))
        except _DOWN as exc:
            raise StorageUnavailable(_UNAVAILABLE) from exc

    async def request_cancel(self, run_id: str) -> None:
        try:
            await self._redis.publish(self._channel, run_id)
        except _DOWN as exc:
            raise StorageUnavailable(_UNAVAILABLE) from exc

    async def on_cancel(self, handler: CancelHandler) -> None:
        self._handlers.append(handler)
        async with self._listen_lock:
            if self._pubsub is not None or self._closed:
                return
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._channel)
                # Wait for the confirmation: from then on no request can be missed.
                while await pubsub.get_message(timeout=5.0) is None:
                    pass
            except (*_DOWN, ResponseError) as exc:
                await pubsub.aclose()  # type: ignore[no-untyped-call]
                self._handlers.remove(handler)
                raise StorageUnavailable(_UNAVAILABLE) from exc
            self._pubsub = pubsub
            self._listener = asyncio.create_task(self._listen(pubsub), name="stream-bus-cancel")

    async def aclose(self) -> None:
        self._closed = True
        self._wanted.set()
        tasks = [task for task in (self._reader, self._listener) if task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self._reader = self._listener = None
        for tail in self._tails.values():
            for sub in tail.subscribers:
                sub.closed = True
                sub.wake.set()
        self._tails.clear()
        if self._pubsub is not None:
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
            self._pubsub = None

    # ------------------------------------------------------ reading by id

    def _key(self, run_id: str) -> str:
        return f"{self._prefix}run:{run_id}"

    async def _range(self, key: str, last: int) -> list[RunEvent]:
        try:
            async with self._backlog_reads:
                entries = await self._redis.xrange(key, f"{last + 1}-0", "+", count=_READ_COUNT)
        except _DOWN as exc:
            raise StorageUnavailable(_UNAVAILABLE) from exc
        return _decode(entries)

    async def _over(self, key: str) -> bool:
        """Whether nothing can come after what was read: no stream, or it has ended."""
        try:
            async with self._backlog_reads:
                newest = await self._redis.xrevrange(key, "+", "-", count=1)
        except _DOWN as exc:
            raise StorageUnavailable(_UNAVAILABLE) from exc
        return not newest or _decode(newest)[0].is_terminal

    # ---------------------------------------------- the shared live reader

    def _join(self, key: str, sub: _Subscriber, last: int) -> int:
        """List ``sub`` on the stream's tail; answer the tail's cursor."""
        tail = self._tails.get(key)
        if tail is None:
            tail = self._tails[key] = _Tail(last)
            self._wanted.set()
        tail.subscribers.add(sub)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read(), name="stream-bus-reader")
        return tail.cursor

    def _leave(self, key: str, sub: _Subscriber) -> None:
        tail = self._tails.get(key)
        if tail is not None:
            tail.subscribers.discard(sub)
            if not tail.subscribers:
                del self._tails[key]

    async def _read(self) -> None:
        # A client of its own holds one pooled connection for the blocking reads.
        conn = self._redis.client()
        failures = 0
        try:
            # Checked on every turn, not left to cancellation alone: after a
            # reconnect redis-py 8.1 has been seen to swallow a cancel during a
            # blocking XREAD and return an empty reply instead.
            while not self._closed:
                if not self._tails:
                    self._wanted.clear()
                    await self._wanted.wait()
                    continue
                try:
                    await self._read_once(conn)
                    failures = 0
                except _DOWN as exc:
                    # Reads go by cursor, so a retry loses nothing: a dropped
                    # connection or a failover need not end every open stream.
                    if self._closed:
                        return
                    if failures < len(_RETRY_DELAYS):
                        log.warning("The stream bus reader lost Redis; retrying", exc_info=True)
                        await asyncio.sleep(_RETRY_DELAYS[failures])
                        failures += 1
                        continue
                    log.exception("The stream bus reader gave up; failing its subscribers")
                    self._fail_all(exc)
                    failures = 0
                except Exception as exc:
                    log.exception("The stream bus reader failed; failing its subscribers")
                    self._fail_all(exc)
        finally:
            await conn.aclose()

    async def _read_once(self, conn: Redis) -> None:
        tails = dict(self._tails)
        streams: dict[Any, Any] = {key: f"{tail.cursor}-0" for key, tail in tails.items()}
        reply = await conn.xread(streams, count=_READ_COUNT, block=_BLOCK_MS)
        for raw_key, entries in _streams(reply):
            key = _text(raw_key)
            tail = tails[key]
            # A tail dropped (or replaced) during the read has lost those readers.
            if self._tails.get(key) is tail:
                self._fan_out(key, tail, _decode(entries))

    def _fan_out(self, key: str, tail: _Tail, events: list[RunEvent]) -> None:
        if not events:
            return
        tail.cursor = events[-1].id
        for sub in list(tail.subscribers):
            if len(sub.events) + len(events) > self._buffer:
                # Memory stays bounded: the laggard reads on from Redis by id.
                sub.overflowed = True
                tail.subscribers.discard(sub)
            else:
                sub.events.extend(events)
            sub.wake.set()
        if not tail.subscribers:
            del self._tails[key]

    def _fail_all(self, exc: Exception) -> None:
        error = StorageUnavailable(_UNAVAILABLE)
        error.__cause__ = exc
        for tail in self._tails.values():
            for sub in tail.subscribers:
                sub.error = error
                sub.wake.set()
        self._tails.clear()

    # ------------------------------------------------------------- cancel

    async def _listen(self, pubsub: PubSub) -> None:
        while not self._closed:  # see _read: a cancel alone may be swallowed
            try:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=None)
            except RedisError:
                # PubSub reconnects and subscribes again on its next read.
                log.warning("The cancel listener lost Redis; retrying", exc_info=True)
                await asyncio.sleep(1.0)
                continue
            if message is None or message.get("type") != "message" or self._closed:
                continue
            run_id = _text(message["data"])
            for handler in list(self._handlers):
                try:
                    await handler(run_id)
                except Exception:
                    log.exception("A cancel handler failed for run %s", run_id)
