"""Generations: start a reply, regenerate one, stop it, attach to it, and tidy up
after a crash. The runs themselves live in ``runs.RunRegistry``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import msgspec

from chatport.domain.chats import Chat, title_from_text
from chatport.domain.errors import AlreadyExists, Conflict, InvalidInput, NotFound, Overloaded
from chatport.domain.generation import (
    ChatTurn,
    CompletionRequest,
    RunEvent,
    RunEventKind,
    TextDelta,
    fit_to_context,
)
from chatport.domain.messages import (
    Message,
    MessageRole,
    MessageStatus,
    check_content,
    check_message_id,
)
from chatport.domain.providers import ModelChoice, WireProtocol
from chatport.domain.ratelimit import COMPLETIONS
from chatport.domain.titles import TITLE_PROMPT, clean_generated_title
from chatport.domain.users import User
from chatport.ports.clock import Clock, IdGenerator
from chatport.ports.llm import LLMGateway
from chatport.ports.ratelimit import RateLimiter
from chatport.ports.repositories import Storage, UnitOfWork
from chatport.ports.streams import StreamBus
from chatport.services.attachments import AttachmentService, Shown
from chatport.services.chats import CHAT_NOT_FOUND, owned_chat
from chatport.services.limits import refuse_unless
from chatport.services.models import ModelService
from chatport.services.providers import ProviderService
from chatport.services.runs import INTERRUPTED, RunRegistry

log = logging.getLogger("chatport.generations")

_MILLISECOND = timedelta(milliseconds=1)
# The id of the end given to a run whose owner died: above any id a run reaches.
ABANDONED_EVENT_ID = 2**31 - 1
ALREADY_RUNNING = "A reply is already being generated in this chat"
NOTHING_RUNNING = "No reply is being generated in this chat"
# How far back a chat's latest reply is looked for: past a few unanswered messages.
_LOOKBACK = 20
_ATTACHMENTS_LOOKBACK = 20


class GenerationLimits(msgspec.Struct, frozen=True, kw_only=True):
    per_user: int = 3  # replies generated at once for one user, on all instances
    per_process: int = 1000  # runs one process holds; beyond it, 503
    per_minute: int = COMPLETIONS.limit  # completions a user may ask for a minute
    history_max: int = 500  # newest messages read to build a prompt
    checkpoint_every: float = 1.0
    # With a shared bus, another instance's run is dead when its heartbeat is older.
    stale_after: float = 60.0
    stop_wait: float = 5.0


class UserTurn(msgspec.Struct, frozen=True, kw_only=True):
    """The user's message that a completion answers; stored unless its id is."""

    content: str
    id: str | None = None
    file_ids: tuple[str, ...] = ()  # the user's files it attaches


class Started(msgspec.Struct, frozen=True, kw_only=True):
    chat_id: str
    message: Message  # the assistant message, status streaming
    question: Message | None = None  # the user's message, when this request stored it


@dataclass(frozen=True, slots=True)
class Followed:
    reply: Message
    events: AsyncIterator[RunEvent] | None  # None: the run's events are gone


class GenerationService:
    """Rules:
    - at most ``per_user`` replies are generated at once for a user and one per
      chat (Conflict otherwise); 20 requests a minute per user (RateLimited);
    - the prompt is the chat's system prompt and its history in order, cut from
      the oldest to fit the model's context window;
    - the first user message titles the chat at once; after the first reply a
      short generated title replaces it, unless the user renamed the chat (the
      offline demo provider makes no titles);
    - a reply stores its text as it goes; stopped, it keeps what arrived;
      failed, it keeps what arrived and the error.
    """

    def __init__(
        self,
        *,
        storage: Storage,
        models: ModelService,
        providers: ProviderService,
        gateway: LLMGateway,
        bus: StreamBus,
        limiter: RateLimiter,
        clock: Clock,
        ids: IdGenerator,
        limits: GenerationLimits | None = None,
        shared_bus: bool = False,
        attachments: AttachmentService | None = None,
    ) -> None:
        self._storage = storage
        self._models = models
        self._providers = providers
        self._gateway = gateway
        self._bus = bus
        self._limiter = limiter
        self._clock = clock
        self._ids = ids
        self._limits = limits or GenerationLimits()
        self._shared_bus = shared_bus
        self._attachments = attachments
        self._policy = msgspec.structs.replace(COMPLETIONS, limit=self._limits.per_minute)
        self.runs = RunRegistry(storage, bus, clock, self._limits.checkpoint_every)
        self._sweeper: asyncio.Task[None] | None = None

    async def open(self) -> int:
        """Fail the replies left streaming by a dead owner; start checkpointing.

        Alone (no shared bus) every such reply is dead: this process is its only
        possible owner. With a shared bus, other instances' runs are alive while
        their heartbeat is fresh, and the sweep goes on every half a staleness
        period, since a dead instance may never come back to tidy up.
        """
        failed = await self._sweep(alone=not self._shared_bus)
        await self.runs.open()
        if self._shared_bus:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="stale-sweeper")
        return failed

    async def aclose(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await self.runs.aclose()

    async def _sweep(self, *, alone: bool = False) -> int:
        now = self._clock.now()
        before = now if alone else now - timedelta(seconds=self._limits.stale_after)
        async with self._storage.write() as uow:
            failed = await uow.messages.fail_stale(before, INTERRUPTED, now)
        for run_id in failed:
            # Readers of a dead run would wait for an end that never comes: give
            # them one, numbered past anything its owner could have sent.
            with contextlib.suppress(Exception):
                await self._bus.publish(
                    run_id,
                    RunEvent(
                        id=ABANDONED_EVENT_ID,
                        kind=RunEventKind.ERROR,
                        message_id=run_id,
                        error_code="interrupted",
                        error_message=INTERRUPTED,
                    ),
                )
        return len(failed)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self._limits.stale_after / 2)
            try:
                await self._sweep()
            except Exception:
                log.exception("sweeping interrupted replies failed")

    async def complete(
        self, user: User, chat_id: str, model_ref: str | None, turn: UserTurn
    ) -> Started:
        """Store the user's message (unless stored) and start a reply to it."""
        check_content(turn.content)
        if turn.id is not None:
            check_message_id(turn.id, ("messages", "id"))
        return await self._start(user, chat_id, model_ref, turn)

    async def regenerate(self, user: User, chat_id: str, model_ref: str | None) -> Started:
        """Replace the chat's last reply with a new one."""
        return await self._start(user, chat_id, model_ref, None)

    async def _start(
        self, user: User, chat_id: str, model_ref: str | None, turn: UserTurn | None
    ) -> Started:
        if len(self.runs) >= self._limits.per_process:
            raise Overloaded("The server is busy with other replies; try again in a moment")
        # The chat and its history are read outside the single writer's lock (SQLite):
        # the write below is short. The database refuses a second reply in a chat (a
        # unique index); the per-user cap is counted inside the write.
        # A running reply, and a turn the client stored already, are the chat's newest
        # messages: the history shows both, without a query of their own.
        async with self._storage.read() as uow:
            chat = await owned_chat(uow, user, chat_id)
            history = await uow.messages.recent(chat.id, limit=self._limits.history_max)
        if any(m.status is MessageStatus.STREAMING for m in history):
            raise Conflict(ALREADY_RUNNING)
        turn_stored = bool(turn and turn.id and any(m.id == turn.id for m in history))
        replaced = _last_reply(history) if turn is None else None
        model_ref = model_ref or (replaced.model if replaced else None) or chat.model
        if not model_ref:
            raise InvalidInput("Choose a model")
        choice = await self._models.resolve(model_ref, user)
        if turn is not None and turn.file_ids:
            if self._attachments is None:
                raise InvalidInput("File attachments are not available")
            await self._attachments.check(user, turn.file_ids, choice.model)
        refuse_unless(await self._limiter.hit(f"user:{user.id}", self._policy), "replies requested")
        now = self._clock.now()
        question = None
        if turn is not None and not turn_stored:
            question = Message(
                id=turn.id or self._ids.new_id(),
                chat_id=chat.id,
                role=MessageRole.USER,
                content=turn.content,
                file_ids=turn.file_ids or None,
                created_at=now,
            )
        assistant = Message(
            id=self._ids.new_id(),
            chat_id=chat.id,
            role=MessageRole.ASSISTANT,
            content="",
            model=choice.model.model_id,
            status=MessageStatus.STREAMING,
            # A millisecond after the question it answers: history is ordered by
            # time, then id, and a client's id may sort before ours.
            created_at=now + _MILLISECOND,
        )
        auto_title = None
        async with self._storage.write() as uow:
            await self._check_user_capacity(uow, user)
            if replaced is not None:
                await uow.messages.delete(chat.id, replaced.id)
            if turn is not None:
                # The title only if it still has none: a rename meanwhile wins.
                auto_title = None if chat.title else title_from_text(turn.content)
                if not await uow.chats.touch(user.id, chat.id, now, auto_title):
                    raise NotFound(CHAT_NOT_FOUND)
            if question is not None:
                try:
                    await uow.messages.add(question)
                except AlreadyExists as exc:  # the id is taken in another chat
                    raise Conflict("A message with this id already exists") from exc
            try:
                await uow.messages.add(assistant)
            except AlreadyExists as exc:  # another request started one meanwhile
                raise Conflict(ALREADY_RUNNING) from exc
        history = [m for m in history if replaced is None or m.id != replaced.id]
        if question is not None:
            history.append(question)
        # Files are read for the latest messages only: the older ones are the first
        # to be cut to fit the context, and reading them costs every reply.
        recent = history[-_ATTACHMENTS_LOOKBACK:]
        shown = await self._attachments.show(user, recent) if self._attachments else {}
        request = _prompt(chat, history, assistant.id, choice, shown)
        client = self._gateway.client_for(self._providers.endpoint(choice.provider))
        try:
            await self._bus.publish(
                assistant.id,
                RunEvent(
                    id=1,
                    kind=RunEventKind.START,
                    message_id=assistant.id,
                    model=choice.model.model_id,
                ),
            )
        except BaseException:
            await self._abandon(assistant)
            raise
        on_complete = None
        if auto_title and choice.provider.kind.protocol is not WireProtocol.ECHO:
            on_complete = self._title_maker(user, chat.id, auto_title, choice)
        self.runs.start(assistant, client, request, on_complete)
        return Started(chat_id=chat.id, message=assistant, question=question)

    async def _check_user_capacity(self, uow: UnitOfWork, user: User) -> None:
        """In the write that adds the reply, under a lock on the user's runs: two
        requests at once cannot both take the last place."""
        await uow.messages.lock_user_runs(user.id)
        if await uow.messages.count_streaming(user.id) >= self._limits.per_user:
            raise Conflict(
                f"You already have {self._limits.per_user} replies being written; "
                "wait for one to finish or stop it"
            )

    async def _abandon(self, assistant: Message) -> None:
        failed = msgspec.structs.replace(
            assistant,
            status=MessageStatus.FAILED,
            error="The reply could not be started",
            updated_at=self._clock.now(),
        )
        async with self._storage.write() as uow:
            await uow.messages.finish(failed)

    async def stop(self, user: User, chat_id: str) -> Message:
        """Stop the chat's reply; it keeps the text that arrived."""
        async with self._storage.read() as uow:
            await owned_chat(uow, user, chat_id)
            running = await uow.messages.streaming_in_chat(chat_id)
        if running is None:
            raise Conflict(NOTHING_RUNNING)
        await self.runs.cancel(running.id)
        ended = await self._wait_for_end(running.id)
        async with self._storage.write() as uow:
            stored = await uow.messages.get(chat_id, running.id)
            if stored is not None and stored.status is MessageStatus.STREAMING and not ended:
                # Its owner is gone without a word: end it here, text kept.
                stored = msgspec.structs.replace(
                    stored, status=MessageStatus.CANCELLED, updated_at=self._clock.now()
                )
                await uow.messages.finish(stored)
        if stored is None:  # deleted meanwhile
            raise Conflict(NOTHING_RUNNING)
        return stored

    async def _wait_for_end(self, run_id: str) -> bool:
        async def terminal() -> bool:
            async for event in self._bus.subscribe(run_id):
                if event.is_terminal:
                    return True
            return False

        try:
            return await asyncio.wait_for(terminal(), self._limits.stop_wait)
        except TimeoutError:
            return False

    async def attach(
        self, user: User, chat_id: str, after: int = 0
    ) -> AsyncIterator[RunEvent] | None:
        """The events of the chat's running reply after ``after``; None when no
        reply is being written."""
        async with self._storage.read() as uow:
            await owned_chat(uow, user, chat_id)
            running = await uow.messages.streaming_in_chat(chat_id)
        if running is None or not await self._bus.exists(running.id):
            return None
        return self._bus.subscribe(running.id, after)

    async def follow(self, user: User, chat_id: str, after: int = 0) -> Followed | None:
        """The chat's latest reply, running or ended, with the events of its run after
        ``after`` while the bus still holds them; None when the chat has no reply."""
        async with self._storage.read() as uow:
            await owned_chat(uow, user, chat_id)
            running = await uow.messages.streaming_in_chat(chat_id)
            recent = [running] if running else await uow.messages.recent(chat_id, limit=_LOOKBACK)
        reply = next((m for m in reversed(recent) if m.role is MessageRole.ASSISTANT), None)
        if reply is None:
            return None
        if not await self._bus.exists(reply.id):
            return Followed(reply=reply, events=None)
        return Followed(reply=reply, events=self._bus.subscribe(reply.id, after))

    async def stored_reply(self, user: User, message_id: str) -> Message | None:
        async with self._storage.read() as uow:
            return await uow.messages.find(user.id, message_id)

    def events(self, run_id: str, after: int = 0) -> AsyncIterator[RunEvent]:
        return self._bus.subscribe(run_id, after)

    def _title_maker(
        self, user: User, chat_id: str, auto_title: str, choice: ModelChoice
    ) -> Callable[[Message], Awaitable[None]]:
        async def make_title(reply: Message) -> None:
            client = self._gateway.client_for(self._providers.endpoint(choice.provider))
            request = CompletionRequest(
                model=choice.model.model_id,
                turns=(
                    ChatTurn(
                        role=MessageRole.USER,
                        content=TITLE_PROMPT.format(text=auto_title, reply=reply.content[:500]),
                    ),
                ),
                max_tokens=24,
                temperature=0.2,
            )
            parts = [e.text async for e in client.stream_chat(request) if isinstance(e, TextDelta)]
            title = clean_generated_title("".join(parts))
            if not title:
                return
            async with self._storage.write() as uow:
                chat = await uow.chats.get(user.id, chat_id)
                if chat is not None and chat.title == auto_title:
                    await uow.chats.save(msgspec.structs.replace(chat, title=title))

        return make_title


def _last_reply(history: list[Message]) -> Message | None:
    """The reply a regeneration replaces; None when the last message is the user's
    and unanswered (it is answered then)."""
    if not any(m.role is MessageRole.USER for m in history):
        raise InvalidInput("There is no message to answer")
    return history[-1] if history[-1].role is MessageRole.ASSISTANT else None


def _prompt(
    chat: Chat,
    history: list[Message],
    reply_id: str,
    choice: ModelChoice,
    shown: dict[str, Shown],
) -> CompletionRequest:
    turns = [
        _turn(m, shown.get(m.id), choice.model.supports_vision)
        for m in history
        if m.id != reply_id and (m.content or m.file_ids) and m.role is not MessageRole.SYSTEM
    ]
    system_parts = [chat.system_prompt] if chat.system_prompt else []
    system_parts += [m.content for m in history if m.role is MessageRole.SYSTEM and m.content]
    system = "\n\n".join(system_parts) or None
    return CompletionRequest(
        model=choice.model.model_id,
        turns=fit_to_context(system, turns, choice.model.context_window),
        system=system,
    )


def _turn(message: Message, shown: Shown | None, vision: bool) -> ChatTurn:
    if shown is None:
        return ChatTurn(role=message.role, content=message.content)
    texts = [message.content, shown.text]
    if shown.images and not vision:  # an earlier turn's image, another model now
        texts.append("[An image is attached here; this model cannot see it.]")
    return ChatTurn(
        role=message.role,
        content="\n\n".join(t for t in texts if t),
        images=shown.images if vision else (),
    )
