"""The stream bus: a generation run's events, readable from any instance."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

from chatport.domain.generation import RunEvent


class StreamBus(Protocol):
    """One append-only stream of ``RunEvent``s per run, keyed by the run's id (its
    assistant message id).

    Contract:
    - ``publish`` appends; events of a run carry ids 1, 2, 3, ... in order.
    - ``subscribe(run_id, after=n)`` yields every stored event with an id above ``n``,
      then the live ones as they come, and ends after a terminal event (finish,
      error, cancelled). A run the bus does not know yields nothing and ends.
      Several readers of one run each get every event once.
    - A stream is capped in length and expires some time after its terminal event
      (``retention`` seconds), so the bus holds only recent runs.
    - ``request_cancel`` asks the run to stop, wherever it runs; every instance's
      ``on_cancel`` handler hears it.
    """

    async def publish(self, run_id: str, event: RunEvent) -> None: ...

    def subscribe(self, run_id: str, after: int = 0) -> AsyncIterator[RunEvent]: ...

    async def exists(self, run_id: str) -> bool:
        """Whether the bus still holds the run's stream."""
        ...

    async def request_cancel(self, run_id: str) -> None: ...

    async def on_cancel(self, handler: Callable[[str], Awaitable[None]]) -> None:
        """Register the handler this instance runs when any instance asks a run to
        stop; the handler ignores runs it does not own."""
        ...

    async def aclose(self) -> None: ...
