"""One contract for every StreamBus adapter.

Each test runs against the memory and the Redis adapter; the last ones check what
only Redis promises (key layout and expiry, shared reads, errors, two instances).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from chatport.adapters.memory.streams import MemoryStreamBus
from chatport.adapters.redis.streams import RedisStreamBus
from chatport.domain.errors import StorageUnavailable
from chatport.domain.generation import FinishReason, RunEvent, RunEventKind
from chatport.domain.messages import Usage
from chatport.ports.streams import StreamBus
from tests.support import ManualClock

# Every wait in this suite is bounded: a broken bus fails a test, it never hangs it.
PATIENCE = 5.0


def start(run_id: str) -> RunEvent:
    return RunEvent(id=1, kind=RunEventKind.START, message_id=run_id, model="echo")


def delta(run_id: str, event_id: int) -> RunEvent:
    return RunEvent(id=event_id, kind=RunEventKind.DELTA, message_id=run_id, text=f"t{event_id}")


def finish(run_id: str, event_id: int) -> RunEvent:
    return RunEvent(
        id=event_id,
        kind=RunEventKind.FINISH,
        message_id=run_id,
        finish_reason=FinishReason.STOP,
        usage=Usage(prompt_tokens=3, completion_tokens=event_id),
    )


def a_run(run_id: str, length: int, *, ended: bool = True) -> list[RunEvent]:
    """``length`` events with ids 1..length: a start, deltas, and a finish if ended."""
    events = [start(run_id)] + [delta(run_id, i) for i in range(2, length + 1)]
    if ended:
        events[-1] = finish(run_id, length)
    return events


def new_run_id() -> str:
    return str(uuid.uuid4())


async def publish_all(bus: StreamBus, run_id: str, events: list[RunEvent]) -> None:
    for event in events:
        await bus.publish(run_id, event)


async def collect(bus: StreamBus, run_id: str, after: int = 0) -> list[RunEvent]:
    async with asyncio.timeout(PATIENCE):
        return [event async for event in bus.subscribe(run_id, after)]


async def _delete_prefix(client: Redis, prefix: str) -> None:
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)


@dataclass
class Backend:
    """One adapter under test, and how to open more buses on it."""

    name: str
    clock: ManualClock
    url: str = ""
    prefix: str = ""
    buses: list[StreamBus] = field(default_factory=list)
    clients: list[Redis] = field(default_factory=list)

    @property
    def shared(self) -> bool:
        """Whether buses opened here reach each other, as instances would."""
        return self.name == "redis"

    def open(
        self, *, retention: int = 60, max_len: int = 1000, subscriber_buffer: int = 1024
    ) -> StreamBus:
        bus: StreamBus
        if self.name == "memory":
            bus = MemoryStreamBus(retention=retention, max_len=max_len, clock=self.clock)
        else:
            # A client per bus, as each instance of the server would have its own.
            client = Redis.from_url(self.url)
            self.clients.append(client)
            bus = RedisStreamBus(
                client,
                prefix=self.prefix,
                retention=retention,
                max_len=max_len,
                subscriber_buffer=subscriber_buffer,
            )
        self.buses.append(bus)
        return bus

    async def pass_time(self, seconds: float) -> None:
        if self.name == "memory":
            self.clock.advance(seconds)
        else:
            await asyncio.sleep(seconds)

    async def aclose(self) -> None:
        for bus in self.buses:
            await bus.aclose()
        for client in self.clients:
            await _delete_prefix(client, self.prefix)
            await client.aclose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def backend_spec(request: pytest.FixtureRequest, clock: ManualClock) -> Backend:
    # Sync on purpose: only a sync fixture can pull in the Redis fixtures lazily, so
    # that the memory runs need no Redis at all.
    if request.param == "memory":
        return Backend("memory", clock)
    url = request.getfixturevalue("redis_url")
    return Backend("redis", clock, url=url, prefix=request.getfixturevalue("redis_prefix"))


@pytest.fixture
async def backend(backend_spec: Backend) -> AsyncIterator[Backend]:
    try:
        yield backend_spec
    finally:
        await backend_spec.aclose()


@pytest.fixture
def bus(backend: Backend) -> StreamBus:
    return backend.open()


# --- reading what was published ------------------------------------------------------


async def test_a_reader_from_zero_gets_every_event_in_order_and_ends_after_the_terminal(
    bus: StreamBus,
) -> None:
    run_id = new_run_id()
    events = a_run(run_id, 6)
    await publish_all(bus, run_id, events)

    assert await collect(bus, run_id) == events


async def test_a_reader_after_n_gets_only_the_later_events(bus: StreamBus) -> None:
    run_id = new_run_id()
    events = a_run(run_id, 6)
    await publish_all(bus, run_id, events)

    assert await collect(bus, run_id, after=4) == events[4:]
    assert await collect(bus, run_id, after=5) == events[5:]


async def test_a_reader_after_the_terminal_event_gets_nothing_and_ends_at_once(
    bus: StreamBus,
) -> None:
    run_id = new_run_id()
    await publish_all(bus, run_id, a_run(run_id, 3))

    assert await collect(bus, run_id, after=3) == []


async def test_an_unknown_run_yields_nothing_and_ends_at_once(bus: StreamBus) -> None:
    async with asyncio.timeout(1):
        assert [event async for event in bus.subscribe(new_run_id())] == []


async def test_exists_says_whether_the_bus_holds_the_run(bus: StreamBus) -> None:
    run_id = new_run_id()
    assert not await bus.exists(run_id)

    await bus.publish(run_id, start(run_id))

    assert await bus.exists(run_id)
    assert not await bus.exists(new_run_id())


async def test_publish_refuses_an_id_that_is_not_above_the_last(bus: StreamBus) -> None:
    run_id = new_run_id()
    await publish_all(bus, run_id, a_run(run_id, 2, ended=False))

    with pytest.raises(ValueError, match="not above"):
        await bus.publish(run_id, delta(run_id, 2))
    with pytest.raises(ValueError, match="not above"):
        await bus.publish(run_id, delta(run_id, 1))
    await bus.publish(run_id, finish(run_id, 3))
    assert [e.id for e in await collect(bus, run_id)] == [1, 2, 3]


# --- reading while the run goes on ---------------------------------------------------


async def test_live_events_reach_a_reader_as_they_are_published(bus: StreamBus) -> None:
    run_id = new_run_id()
    events = a_run(run_id, 8)
    await bus.publish(run_id, events[0])
    reader = asyncio.create_task(collect(bus, run_id))

    for event in events[1:]:
        await asyncio.sleep(0.01)
        await bus.publish(run_id, event)

    assert await reader == events


async def test_a_live_event_arrives_soon_after_its_publish(bus: StreamBus) -> None:
    run_id = new_run_id()
    await bus.publish(run_id, start(run_id))
    arrived: asyncio.Queue[tuple[RunEvent, float]] = asyncio.Queue()

    async def read() -> None:
        async for event in bus.subscribe(run_id):
            arrived.put_nowait((event, time.monotonic()))

    reader = asyncio.create_task(read())
    async with asyncio.timeout(PATIENCE):
        await arrived.get()  # the backlog: the reader is in place
        for event_id in (2, 3):
            await asyncio.sleep(0.05)
            published_at = time.monotonic()
            await bus.publish(run_id, delta(run_id, event_id))
            event, at = await arrived.get()
            assert event.id == event_id
            assert at - published_at < 0.25
        await bus.publish(run_id, finish(run_id, 4))
        await reader


async def test_several_readers_each_get_every_event_once(bus: StreamBus) -> None:
    run_id = new_run_id()
    events = a_run(run_id, 40)
    await publish_all(bus, run_id, events[:5])
    # Readers join before, during and after the live part, from various ids.
    readers = [asyncio.create_task(collect(bus, run_id, after)) for after in (0, 0, 3, 5)]
    for event in events[5:20]:
        await bus.publish(run_id, event)
        await asyncio.sleep(0)
    readers += [asyncio.create_task(collect(bus, run_id, after)) for after in (0, 10, 19)]
    for event in events[20:]:
        await bus.publish(run_id, event)
        await asyncio.sleep(0.001)
    readers.append(asyncio.create_task(collect(bus, run_id, 30)))

    results = await asyncio.gather(*readers)

    starts = (0, 0, 3, 5, 0, 10, 19, 30)
    assert results == [events[after:] for after in starts]


async def test_a_slow_reader_loses_no_event(backend: Backend) -> None:
    # A small buffer makes the Redis bus drop the laggard from its fan-out, so that
    # it has to read on from Redis by id.
    bus = backend.open(max_len=5000, subscriber_buffer=16)
    run_id = new_run_id()
    events = a_run(run_id, 600)
    await bus.publish(run_id, events[0])
    got: list[RunEvent] = []
    first_seen = asyncio.Event()
    go_on = asyncio.Event()

    async def read() -> None:
        async for event in bus.subscribe(run_id):
            got.append(event)
            if event.id == 1:
                first_seen.set()
                await go_on.wait()

    reader = asyncio.create_task(read())
    async with asyncio.timeout(PATIENCE):
        await first_seen.wait()
        # Let the reader join the live fan-out before the flood.
        await bus.publish(run_id, events[1])
        await asyncio.sleep(0.2)
        for event in events[2:]:
            await bus.publish(run_id, event)
        await asyncio.sleep(0.2)
        go_on.set()
        await reader

    assert got == events


# --- what the bus keeps --------------------------------------------------------------


async def test_a_run_expires_retention_seconds_after_its_terminal_event(
    backend: Backend,
) -> None:
    bus = backend.open(retention=1)
    ended, going = new_run_id(), new_run_id()
    await publish_all(bus, ended, a_run(ended, 3))
    await publish_all(bus, going, a_run(going, 3, ended=False))

    await backend.pass_time(0.5)
    assert await bus.exists(ended)

    await backend.pass_time(0.6)
    assert not await bus.exists(ended)
    assert await collect(bus, ended) == []
    # Retention counts from the terminal event: a run still going stays.
    assert await bus.exists(going)


async def test_the_cap_keeps_the_newest_events(backend: Backend) -> None:
    bus = backend.open(max_len=10)
    run_id = new_run_id()
    events = a_run(run_id, 400)
    await publish_all(bus, run_id, events)

    kept = await collect(bus, run_id)

    # Redis trims whole nodes (MAXLEN ~), so it may keep more than the cap, not all.
    assert 10 <= len(kept) < 400
    assert kept == events[-len(kept) :]
    if backend.name == "memory":
        assert kept == events[-10:]


# --- cancel and close ----------------------------------------------------------------


async def test_request_cancel_reaches_every_on_cancel_handler(backend: Backend) -> None:
    bus = backend.open()
    # With Redis, the request comes from another instance on another client.
    requester = backend.open() if backend.shared else bus
    heard: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    def handler(name: str) -> Callable[[str], Awaitable[None]]:
        async def handle(run_id: str) -> None:
            heard.put_nowait((name, run_id))

        return handle

    async def broken(run_id: str) -> None:
        raise RuntimeError("a handler that fails must not silence the others")

    await bus.on_cancel(handler("first"))
    await bus.on_cancel(broken)
    await bus.on_cancel(handler("second"))
    run_id = new_run_id()

    await requester.request_cancel(run_id)

    async with asyncio.timeout(PATIENCE):
        assert {await heard.get(), await heard.get()} == {("first", run_id), ("second", run_id)}


async def test_aclose_ends_readers_and_leaves_no_task_behind(backend: Backend) -> None:
    before = asyncio.all_tasks()
    bus = backend.open()
    run_id = new_run_id()
    await bus.publish(run_id, start(run_id))
    await bus.on_cancel(_ignore)
    reader = asyncio.create_task(collect(bus, run_id))
    await asyncio.sleep(0.05)

    await bus.aclose()

    assert [event.id for event in await reader] == [1]
    assert asyncio.all_tasks() == before
    assert await collect(bus, run_id) == []


async def _ignore(run_id: str) -> None:
    return None


# --- Redis only ----------------------------------------------------------------------


@pytest.fixture
async def redis_client(redis_url: str, redis_prefix: str) -> AsyncIterator[Redis]:
    # A name of its own lets CLIENT LIST count exactly this client's connections.
    client = Redis.from_url(redis_url, client_name=f"chatport-test-{uuid.uuid4().hex[:12]}")
    try:
        yield client
    finally:
        await _delete_prefix(client, redis_prefix)
        await client.aclose()


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def _connections(client: Redis) -> int:
    name = _text(await client.client_getname())
    return sum(1 for entry in await client.client_list() if entry["name"] == name)


@pytest.mark.redis
async def test_redis_keeps_one_stream_per_run_with_event_ids_as_entry_ids(
    redis_client: Redis, redis_prefix: str
) -> None:
    bus = RedisStreamBus(redis_client, prefix=redis_prefix, retention=30, idle_expiry=600)
    run_id = new_run_id()
    key = f"{redis_prefix}run:{run_id}"
    try:
        await publish_all(bus, run_id, a_run(run_id, 3, ended=False))
        entries = await redis_client.xrange(key)
        assert [entry_id for entry_id, _ in entries or ()] == [b"1-0", b"2-0", b"3-0"]
        assert 590 < await redis_client.ttl(key) <= 600

        await bus.publish(run_id, finish(run_id, 4))
        assert 20 < await redis_client.ttl(key) <= 30
    finally:
        await bus.aclose()


@pytest.mark.redis
async def test_redis_many_readers_share_a_bounded_number_of_connections(
    redis_client: Redis, redis_prefix: str
) -> None:
    bus = RedisStreamBus(redis_client, prefix=redis_prefix)
    run_ids = [new_run_id() for _ in range(4)]
    runs = {run_id: a_run(run_id, 20) for run_id in run_ids}
    try:
        for run_id in run_ids:
            await bus.publish(run_id, runs[run_id][0])
        readers = [
            asyncio.create_task(collect(bus, run_ids[i % len(run_ids)], after=i % 2))
            for i in range(200)
        ]
        await asyncio.sleep(0.2)
        for i in range(1, 20):
            for run_id in run_ids:
                await bus.publish(run_id, runs[run_id][i])
            await asyncio.sleep(0.005)

        results = await asyncio.gather(*readers)

        for i, got in enumerate(results):
            assert got == runs[run_ids[i % len(run_ids)]][i % 2 :]
        # One blocking reader, a few backlog reads, one for publishing, one spare.
        assert await _connections(redis_client) <= 7
    finally:
        await bus.aclose()


@pytest.mark.redis
async def test_redis_readers_and_cancels_ride_out_dropped_connections(
    redis_client: Redis, redis_prefix: str
) -> None:
    bus = RedisStreamBus(redis_client, prefix=redis_prefix)
    run_id = new_run_id()
    events = a_run(run_id, 30)
    heard: asyncio.Queue[str] = asyncio.Queue()

    async def handle(cancelled: str) -> None:
        heard.put_nowait(cancelled)

    try:
        await bus.on_cancel(handle)
        await bus.publish(run_id, events[0])
        reader = asyncio.create_task(collect(bus, run_id))
        await asyncio.sleep(0.1)
        for event in events[1:15]:
            await bus.publish(run_id, event)
        # Every connection of the client: the shared reader's, the cancel listener's.
        name = _text(await redis_client.client_getname())
        for entry in await redis_client.client_list():
            if entry["name"] == name:
                await redis_client.client_kill_filter(_id=entry["id"])
        for event in events[15:]:
            await bus.publish(run_id, event)

        assert await reader == events
        async with asyncio.timeout(PATIENCE):
            # The listener resubscribes on its own; a request may race that.
            while heard.empty():
                await bus.request_cancel(run_id)
                await asyncio.sleep(0.1)
        assert await heard.get() == run_id
    finally:
        async with asyncio.timeout(PATIENCE):
            await bus.aclose()


@pytest.mark.redis
async def test_redis_cancel_listener_is_started_once_per_bus(
    redis_client: Redis, redis_prefix: str
) -> None:
    bus = RedisStreamBus(redis_client, prefix=redis_prefix)
    try:
        await bus.on_cancel(_ignore)
        await bus.on_cancel(_ignore)
        numsub = await redis_client.pubsub_numsub(f"{redis_prefix}cancel")
        assert numsub[0][1] == 1
    finally:
        await bus.aclose()
    numsub = await redis_client.pubsub_numsub(f"{redis_prefix}cancel")
    assert numsub[0][1] == 0


@pytest.mark.parametrize("operation", ["publish", "subscribe", "exists", "cancel", "on_cancel"])
async def test_an_unreachable_redis_raises_storage_unavailable(operation: str) -> None:
    # Port 1 refuses connections; no retries, so the failure comes at once.
    client = Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    bus = RedisStreamBus(client)
    run_id = new_run_id()
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "publish": lambda: bus.publish(run_id, start(run_id)),
        "subscribe": lambda: collect(bus, run_id),
        "exists": lambda: bus.exists(run_id),
        "cancel": lambda: bus.request_cancel(run_id),
        "on_cancel": lambda: bus.on_cancel(_ignore),
    }
    try:
        with pytest.raises(StorageUnavailable):
            await calls[operation]()
    finally:
        await bus.aclose()
        await client.aclose()
