"""A running bot as the server sees it: handle a turn, count what happened in it, drain on shutdown.

What happened in a turn (parse, decision, events, errors) comes with its ``TurnResult`` from
``Bot.handle``; the fallback, handoff and error counters are fed from it, so each server counts
only its own turns even when several servers share a Redis bus.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from dialogue.bus import Bus
from dialogue.dm.redaction import ApiMasker
from dialogue.messages import FALLBACK_INTENT, HandoffRequested
from dialogue.pipeline import Bot
from dialogue.server.errors import ApiError
from dialogue.server.metrics import Metrics
from dialogue.turns import TokenCallback, TurnResult

log = logging.getLogger("dialogue.server")


class BotService:
    """Owns the bot, its bus and store for the app's lifetime; counts in-flight turns for shutdown."""

    def __init__(self, bot: Bot, store: Any, metrics: Metrics,
                 closers: list[Callable[[], Awaitable[Any]]] | None = None) -> None:
        self.bot = bot
        self.bus: Bus = bot.bus
        self.store = store
        self.metrics = metrics
        self.masker = ApiMasker(bot.domain.slots)
        self.closers = closers or []
        self.accepting = False
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        await self.bus.start()
        self.accepting = True

    async def handle(self, conversation_id: str, text: str, channel: str, metadata: dict[str, Any], timeout: float,
                     on_token: TokenCallback | None = None) -> TurnResult:
        if not self.accepting:
            raise ApiError(503, "shutting_down", "The server is shutting down; retry on another instance.")
        message = self.bot.user_message(conversation_id, text, channel, metadata)
        self.in_flight += 1
        self.metrics.in_flight.inc()
        self._idle.clear()
        start = time.perf_counter()
        try:
            result = await self.bot.handle(message, timeout=timeout, on_token=on_token)
        except asyncio.TimeoutError:
            self.metrics.turns.labels(outcome="timeout").inc()
            raise ApiError(504, "turn_timeout", f"The bot did not answer within {timeout:g} s.") from None
        finally:
            self.metrics.turn_seconds.observe(time.perf_counter() - start)
            self.in_flight -= 1
            self.metrics.in_flight.dec()
            if self.in_flight == 0:
                self._idle.set()
        self.count(result)
        return result

    def count(self, result: TurnResult) -> None:
        """The turn's outcome, and whether the NLU or the manager fell back, handed off or failed."""
        metrics = self.metrics
        metrics.turns.labels(outcome="error" if result.errors else "ok").inc()
        if result.parse is not None and result.parse.intent.name == FALLBACK_INTENT:
            metrics.fallbacks.labels(source="nlu").inc()
        fallback = self.bot.domain.settings.fallback_response
        if result.decision is not None and any(act.name == fallback for act in result.decision.acts):
            metrics.fallbacks.labels(source="dm").inc()
        for event in result.events:
            if isinstance(event, HandoffRequested):
                metrics.handoffs.inc()
        for error in result.errors:
            metrics.errors.labels(subscriber=error.subscriber).inc()

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
