"""The stream bus inside one process: a buffer per run, for the embedded deployment."""

from __future__ import annotations

import asyncio
import logging
import time
from bisect import bisect_right
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

from chatport.domain.generation import RunEvent
from chatport.ports.clock import Clock

log = logging.getLogger(__name__)

CancelHandler = Callable[[str], Awaitable[None]]


def _event_id(event: RunEvent) -> int:
    return event.id


class _Run:
    """One run's newest events and the signal its readers wait on."""

    __slots__ = ("events", "signal")

    def __init__(self, max_len: int) -> None:
        self.events: deque[RunEvent] = deque(maxlen=max_len)
        self.signal = asyncio.Event()

    def notify(self) -> None:
        # A fresh event per change: readers that wake need not clear a shared one,
        # so no reader can miss a change another reader consumed.
        signal, self.signal = self.signal, asyncio.Event()
        signal.set()

    def after(self, last: int) -> list[RunEvent]:
        events = self.events
        # Index from the start is cheap at the deque's ends, where readers live.
        start = bisect_right(events, last, key=_event_id)
        return [events[i] for i in range(start, len(events))]

    @property
    def ended(self) -> bool:
        return bool(self.events) and self.events[-1].is_terminal


class MemoryStreamBus:
    """``StreamBus`` in process memory; cancel requests reach this process only.

    Contract, beyond the port's:
    - ``publish`` refuses (``ValueError``) an id that is not above the run's last one.
    - A run keeps its newest ``max_len`` events and is forgotten ``retention``
      seconds (of ``clock``, monotonic time by default) after its terminal event.
      Forgetting is lazy: any call sweeps the runs whose time is up.
    - ``request_cancel`` awaits every ``on_cancel`` handler in turn; one that
      raises is logged and does not stop the others.
    - After ``aclose`` open subscriptions end once they have read what is
      buffered, and new ones yield nothing.
    """

    def __init__(
        self, retention: float = 300.0, max_len: int = 10_000, clock: Clock | None = None
    ) -> None:
        if max_len < 1:
            raise ValueError("max_len must be at least 1")
        self._retention = retention
        self._max_len = max_len
        self._now: Callable[[], float] = clock.timestamp if clock is not None else time.monotonic
        self._runs: dict[str, _Run] = {}
        # The retention is the same for every run, so ended runs expire in the
        # order they ended: a FIFO is enough to find the ones due.
        self._ended: deque[tuple[float, str]] = deque()
        self._handlers: list[CancelHandler] = []
        self._closed = False

    async def publish(self, run_id: str, event: RunEvent) -> None:
        run = self._live(run_id)
        if run is None:
            run = self._runs[run_id] = _Run(self._max_len)
        last = run.events[-1].id if run.events else 0
        if event.id <= last:
            raise ValueError(f"event id {event.id} is not above {last} in run {run_id}")
        was_ended = run.ended
        run.events.append(event)
        if event.is_terminal and not was_ended:
            self._ended.append((self._now() + self._retention, run_id))
        run.notify()

    async def subscribe(self, run_id: str, after: int = 0) -> AsyncIterator[RunEvent]:
        run = self._live(run_id)
        if run is None or self._closed:
            return
        last = after
        while True:
            batch = run.after(last)
            if not batch:
                if run.ended or self._closed:
                    return
                await run.signal.wait()
                continue
            for event in batch:
                yield event
                if event.is_terminal:
                    return
            last = batch[-1].id

    async def exists(self, run_id: str) -> bool:
        return self._live(run_id) is not None

    async def request_cancel(self, run_id: str) -> None:
        for handler in list(self._handlers):
            try:
                await handler(run_id)
            except Exception:
                log.exception("A cancel handler failed for run %s", run_id)

    async def on_cancel(self, handler: CancelHandler) -> None:
        self._handlers.append(handler)

    async def aclose(self) -> None:
        self._closed = True
        for run in self._runs.values():
            run.notify()

    def _live(self, run_id: str) -> _Run | None:
        now = self._now()
        while self._ended and self._ended[0][0] <= now:
            _, ended_id = self._ended.popleft()
            self._runs.pop(ended_id, None)
        return self._runs.get(run_id)
