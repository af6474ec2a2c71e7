"""A running bot as the server sees it: handle a turn, collect what happened in it, drain on shutdown.

``TurnWatcher`` is one bus subscriber (on the topics of a turn's middle) that gathers, for the turns this server
is waiting on, the parse, the decision, the events and the streamed tokens; it also feeds the
fallback, handoff and error counters, so each server counts only its own turns even when
several servers share a Redis bus.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from dialogue.bus import Bus
from dialogue.dm.redaction import ApiMasker
from dialogue.messages import (
    FALLBACK_INTENT,
    BotToken,
    BotTurn,
    BusMessage,
    Decision,
    Event,
    HandoffRequested,
    ParsedMessage,
    PipelineError,
)
from dialogue.pipeline import Bot
from dialogue.server.errors import ApiError
from dialogue.server.metrics import Metrics

log = logging.getLogger("dialogue.server")

WATCHER_NAME = "server.watch"
WATCHED_TOPICS = (ParsedMessage.topic, Decision.topic, Event.topic, PipelineError.topic, BotToken.topic)
#: how long a reply waits for its turn's decision to be collected (it was published before the reply)
SETTLE_SECONDS = 0.25


@dataclass
class WatchedTurn:
    """What the bus carried for one (conversation, turn)."""

    parse: ParsedMessage | None = None
    decision: Decision | None = None
    events: list[Event] = field(default_factory=list)
    errors: list[PipelineError] = field(default_factory=list)
    tokens: asyncio.Queue[BotToken | None] = field(default_factory=asyncio.Queue)
    decided: asyncio.Event = field(default_factory=asyncio.Event)


class TurnWatcher:
    def __init__(self, metrics: Metrics, fallback_response: str) -> None:
        self.metrics = metrics
        self.fallback_response = fallback_response
        self.turns: dict[tuple[str, int], WatchedTurn] = {}

    def watch(self, conversation_id: str, turn_id: int) -> WatchedTurn:
        record = self.turns[(conversation_id, turn_id)] = WatchedTurn()
        return record

    def forget(self, conversation_id: str, turn_id: int) -> None:
        self.turns.pop((conversation_id, turn_id), None)

    async def __call__(self, message: BusMessage) -> None:
        record = self.turns.get((message.conversation_id, message.turn_id))
        if record is None:
            return
        if isinstance(message, BotToken):
            record.tokens.put_nowait(message)
        elif isinstance(message, ParsedMessage):
            record.parse = message
            if message.intent.name == FALLBACK_INTENT:
                self.metrics.fallbacks.labels(source="nlu").inc()
        elif isinstance(message, Decision):
            record.decision = message
            if any(act.name == self.fallback_response for act in message.acts):
                self.metrics.fallbacks.labels(source="dm").inc()
            record.decided.set()
        elif isinstance(message, Event):
            record.events.append(message)
            if isinstance(message, HandoffRequested):
                self.metrics.handoffs.inc()
        elif isinstance(message, PipelineError):
            record.errors.append(message)
            self.metrics.errors.labels(subscriber=message.subscriber).inc()
            record.decided.set()  # no decision is coming


@dataclass
class TurnResult:
    turn: BotTurn
    record: WatchedTurn


class BotService:
    """Owns the bot, its bus and store for the app's lifetime; counts in-flight turns for shutdown."""

    def __init__(self, bot: Bot, store: Any, metrics: Metrics,
                 closers: list[Callable[[], Awaitable[Any]]] | None = None) -> None:
        self.bot = bot
        self.bus: Bus = bot.bus
        self.store = store
        self.metrics = metrics
        self.masker = ApiMasker(bot.domain.slots)
        self.watcher = TurnWatcher(metrics, bot.domain.settings.fallback_response)
        for topic in WATCHED_TOPICS:
            self.bus.subscribe(topic, self.watcher, name=WATCHER_NAME)
        self.closers = closers or []
        self.accepting = False
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        await self.bus.start()
        self.accepting = True

    async def handle(self, conversation_id: str, text: str, channel: str, metadata: dict[str, Any], timeout: float,
                     on_token: Callable[[BotToken], Awaitable[None]] | None = None) -> TurnResult:
        if not self.accepting:
            raise ApiError(503, "shutting_down", "The server is shutting down; retry on another instance.")
        message = self.bot.user_message(conversation_id, text, channel, metadata)
        record = self.watcher.watch(conversation_id, message.turn_id)
        self.in_flight += 1
        self.metrics.in_flight.inc()
        self._idle.clear()
        start = time.perf_counter()
        pump = asyncio.create_task(_pump(record, on_token)) if on_token is not None else None
        try:
            turn = await self.bot.handle(message, timeout=timeout)
            if record.decision is None and not record.errors:
                try:
                    await asyncio.wait_for(record.decided.wait(), SETTLE_SECONDS)
                except asyncio.TimeoutError:
                    pass
            self.metrics.turns.labels(outcome="error" if record.errors else "ok").inc()
            return TurnResult(turn, record)
        except asyncio.TimeoutError:
            self.metrics.turns.labels(outcome="timeout").inc()
            raise ApiError(504, "turn_timeout", f"The bot did not answer within {timeout:g} s.") from None
        finally:
            self.metrics.turn_seconds.observe(time.perf_counter() - start)
            if pump is not None:
                await _stop_pump(pump, record, on_token)
            self.watcher.forget(conversation_id, message.turn_id)
            self.in_flight -= 1
            self.metrics.in_flight.dec()
            if self.in_flight == 0:
                self._idle.set()

    async def tracker(self, conversation_id: str) -> list[dict[str, Any]]:
        return list(await self.store.load(conversation_id))

    async def restart(self, conversation_id: str) -> None:
        if not self.accepting:
            raise ApiError(503, "shutting_down", "The server is shutting down; retry on another instance.")
        await self.bot.restart(conversation_id)

    async def drain(self, timeout: float) -> bool:
        """Refuse new turns, wait for in-flight ones; True when all finished in time."""
        self.accepting = False
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def close(self) -> None:
        await self.bot.close()
        for closer in self.closers:
            try:
                await closer()
            except Exception:  # noqa: BLE001 - shutting down: log and go on closing the rest
                log.exception("closing %r failed", closer)


async def _pump(record: WatchedTurn, on_token: Callable[[BotToken], Awaitable[None]]) -> None:
    while True:
        token = await record.tokens.get()
        if token is None:
            return
        await on_token(token)


async def _stop_pump(pump: asyncio.Task[None], record: WatchedTurn,
                     on_token: Callable[[BotToken], Awaitable[None]] | None) -> None:
    """Forward the tokens already received (the client may have left: then just stop)."""
    record.tokens.put_nowait(None)
    try:
        await pump
    except Exception:  # noqa: BLE001 - the client left; the turn is done anyway
        log.debug("token stream ended early", exc_info=True)
