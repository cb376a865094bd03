"""The generation runs this process owns: each streams from a provider into the
stream bus, while one checkpointer writes their partial text to storage.

A run is an asyncio task, detached from the HTTP request that started it. Its
events go to the bus first (readers see them at once) and to storage about once
a second, in one statement for every run that changed, so a thousand runs cost
one write a second rather than a thousand; their ends are group-committed too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import msgspec

from chatport.domain.generation import (
    CompletionRequest,
    Finished,
    FinishReason,
    ProviderError,
    RunEvent,
    RunEventKind,
    TextDelta,
    UsageReport,
)
from chatport.domain.messages import Message, MessageStatus, Usage
from chatport.ports.clock import Clock
from chatport.ports.llm import LLMClient
from chatport.ports.repositories import Storage
from chatport.ports.streams import StreamBus

log = logging.getLogger("chatport.runs")

INTERRUPTED = "Interrupted: the server stopped while this reply was being written"
UNEXPECTED = "The reply failed unexpectedly; try again"
# Every run's row is touched this often even without new text, so other instances
# can tell a live run (recent heartbeat) from one whose owner died.
HEARTBEAT_EVERY = 10.0


@dataclass(slots=True)
class Run:
    message: Message  # the assistant message as created (status streaming)
    task: asyncio.Task[None] | None = None
    parts: list[str] = field(default_factory=list)
    next_id: int = 2  # 1 is the start event, published before the run begins
    dirty: bool = False
    cancelled_by_user: bool = False

    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts[:] = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""


OnEnd = Callable[[Message], Awaitable[None]]


class RunRegistry:
    """Starts runs, cancels them, checkpoints them, and ends them on shutdown."""

    def __init__(
        self, storage: Storage, bus: StreamBus, clock: Clock, checkpoint_every: float = 1.0
    ) -> None:
        self._storage = storage
        self._bus = bus
        self._clock = clock
        self._checkpoint_every = checkpoint_every
        self._runs: dict[str, Run] = {}
        self._checkpointer: asyncio.Task[None] | None = None
        self._ends: list[tuple[Message, asyncio.Future[None]]] = []
        self._end_writer: asyncio.Task[None] | None = None
        self._closing = False

    def __len__(self) -> int:
        return len(self._runs)

    async def open(self) -> None:
        await self._bus.on_cancel(self._cancel_local)
        self._checkpointer = asyncio.create_task(self._checkpoint_loop(), name="checkpointer")

    def start(
        self,
        message: Message,
        client: LLMClient,
        request: CompletionRequest,
        on_complete: OnEnd | None = None,
    ) -> None:
        run = Run(message=message)
        self._runs[message.id] = run
        run.task = asyncio.create_task(
            self._run(run, client, request, on_complete), name=f"run:{message.id}"
        )

    async def cancel(self, run_id: str) -> None:
        """Ask the run to stop, wherever it runs."""
        await self._bus.request_cancel(run_id)

    async def aclose(self) -> None:
        """Stop every run this process owns (each stores its text as interrupted),
        then the checkpointer."""
        self._closing = True
        tasks = [run.task for run in self._runs.values() if run.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointer

    async def _cancel_local(self, run_id: str) -> None:
        run = self._runs.get(run_id)
        if run is not None and run.task is not None:
            run.cancelled_by_user = True
            run.task.cancel()

    async def _run(
        self,
        run: Run,
        client: LLMClient,
        request: CompletionRequest,
        on_complete: OnEnd | None,
    ) -> None:
        run_id = run.message.id
        usage: Usage | None = None
        reason = FinishReason.STOP
        status, error, error_code = MessageStatus.COMPLETE, None, None
        stream = client.stream_chat(request)
        try:
            async for event in stream:
                if isinstance(event, TextDelta):
                    if not event.text:
                        continue
                    run.parts.append(event.text)
                    run.dirty = True
                    await self._publish(run, kind=RunEventKind.DELTA, text=event.text)
                elif isinstance(event, UsageReport):
                    usage = Usage(
                        prompt_tokens=event.prompt_tokens,
                        completion_tokens=event.completion_tokens,
                    )
                elif isinstance(event, Finished):
                    reason = event.reason
        except asyncio.CancelledError:
            if run.cancelled_by_user and not self._closing:
                status = MessageStatus.CANCELLED
            else:
                status, error, error_code = MessageStatus.FAILED, INTERRUPTED, "interrupted"
        except ProviderError as exc:
            status, error, error_code = MessageStatus.FAILED, exc.message, exc.code
        except Exception:
            log.exception("generation run failed", extra={"run_id": run_id})
            status, error, error_code = MessageStatus.FAILED, UNEXPECTED, "internal_error"
        finally:
            # Closing the provider's stream ends its HTTP call now, not at GC.
            closer = getattr(stream, "aclose", None)
            if closer is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(closer())
        # The end is stored before it is announced: a client that sees "finish" and
        # reads the chat at once must find the whole reply.
        final = msgspec.structs.replace(
            run.message,
            content=run.text(),
            status=status,
            error=error,
            usage=usage,
            updated_at=self._clock.now(),
        )
        try:
            await asyncio.shield(self._finish(run, final, reason, error_code))
        except asyncio.CancelledError:
            pass  # the shielded write goes on; shutdown waits for this task only
        finally:
            self._runs.pop(run_id, None)
        if status is MessageStatus.COMPLETE and on_complete is not None:
            try:
                await on_complete(final)
            except Exception:
                log.exception("after-reply step failed", extra={"run_id": run_id})

    async def _finish(
        self, run: Run, final: Message, reason: FinishReason, error_code: str | None
    ) -> None:
        try:
            await self._store_end(final)
        except Exception:
            log.exception("could not store the end of a reply", extra={"run_id": final.id})
        try:
            if final.status is MessageStatus.COMPLETE:
                await self._publish(
                    run, kind=RunEventKind.FINISH, finish_reason=reason, usage=final.usage
                )
            elif final.status is MessageStatus.CANCELLED:
                await self._publish(run, kind=RunEventKind.CANCELLED)
            else:
                await self._publish(
                    run,
                    kind=RunEventKind.ERROR,
                    error_code=error_code,
                    error_message=final.error,
                )
        except Exception:
            log.exception("could not announce the end of a reply", extra={"run_id": final.id})

    async def _store_end(self, final: Message) -> None:
        """Group commit: the ends that arrive while one write runs go together in
        the next, so a burst of finishing replies costs a few transactions, not one
        each (SQLite has a single writer)."""
        done = asyncio.get_running_loop().create_future()
        self._ends.append((final, done))
        if self._end_writer is None or self._end_writer.done():
            self._end_writer = asyncio.create_task(self._write_ends())
        await done

    async def _write_ends(self) -> None:
        while self._ends:
            batch, self._ends = self._ends, []
            try:
                async with self._storage.write() as uow:
                    await uow.messages.finish_many([message for message, _ in batch])
            except Exception as exc:  # noqa: BLE001 - every waiter gets it and logs it
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _publish(self, run: Run, **fields: object) -> None:
        event = RunEvent(id=run.next_id, message_id=run.message.id, **fields)  # type: ignore[arg-type]
        run.next_id += 1
        await self._bus.publish(run.message.id, event)

    async def _checkpoint_loop(self) -> None:
        last_heartbeat = time.monotonic()
        while True:
            await asyncio.sleep(self._checkpoint_every)
            heartbeat = time.monotonic() - last_heartbeat >= HEARTBEAT_EVERY
            if heartbeat:
                last_heartbeat = time.monotonic()
            due = [run for run in self._runs.values() if run.dirty or heartbeat]
            if not due:
                continue
            for run in due:
                run.dirty = False
            try:
                now = self._clock.now()
                progress = [(run.message.id, run.text()) for run in due]
                async with self._storage.write() as uow:
                    await uow.messages.save_progress_many(progress, now)
            except Exception:
                log.exception("checkpoint failed; retrying next tick")
                for run in due:
                    run.dirty = True
