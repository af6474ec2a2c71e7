"""What happened in one turn: the ``TurnResult`` that ``Bot.handle`` gives every channel.

The bot collects a turn's parse, decision, events, replies and errors from the bus itself, as
one subscriber that sees a conversation's messages in publish order, so no channel (terminal,
HTTP, conversation tests) listens to the bus on its own or waits for stragglers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from dialogue.messages import (
    BotMessage,
    BotToken,
    BusMessage,
    Decision,
    Event,
    HandoffRequested,
    ParsedMessage,
    PipelineError,
    SlotSet,
)

log = logging.getLogger("dialogue.pipeline")

#: called with each streamed piece of a reply while the NLG writes it
TokenCallback = Callable[[BotToken], Awaitable[None]]


@dataclass
class TurnResult:
    """One turn as the bus carried it: what the NLU understood, what the manager decided and
    did (events), what the bot answered, and which subscribers failed on the way."""

    conversation_id: str
    turn_id: int
    parse: ParsedMessage | None = None
    decision: Decision | None = None
    events: list[Event] = field(default_factory=list)
    replies: tuple[BotMessage, ...] = ()
    errors: list[PipelineError] = field(default_factory=list)

    @property
    def messages(self) -> tuple[BotMessage, ...]:
        """The replies, under the name ``BotTurn`` gives them."""
        return self.replies

    @property
    def handoff(self) -> HandoffRequested | None:
        return next((e for e in self.events if isinstance(e, HandoffRequested)), None)

    @property
    def slot_changes(self) -> list[SlotSet]:
        return [e for e in self.events if isinstance(e, SlotSet)]


class OpenTurn:
    """A turn a channel is waiting for: filled in as its messages pass, resolved by its reply.

    A reply resolves the turn once the decision it answers has been seen too: on the in-process
    bus it always has (it was published first, and this subscriber sees the conversation in
    publish order); a broadcast reader of several Redis streams may see the reply first.
    """

    def __init__(self, conversation_id: str, turn_id: int, on_token: TokenCallback | None = None) -> None:
        self.result = TurnResult(conversation_id, turn_id)
        self.future: asyncio.Future[TurnResult] = asyncio.get_running_loop().create_future()
        self.on_token = on_token
        self._replies: tuple[BotMessage, ...] | None = None

    @property
    def done(self) -> bool:
        return self.future.done()

    async def add(self, message: BusMessage) -> None:
        """Keep a message of this turn's middle (parse, events, decision, a streamed token)."""
        if self.done:
            return
        if isinstance(message, ParsedMessage):
            self.result.parse = message
        elif isinstance(message, Event):
            self.result.events.append(message)
        elif isinstance(message, Decision):
            self.result.decision = message
            if self._replies is not None:
                self.resolve(self._replies)
        elif isinstance(message, BotToken) and self.on_token is not None:
            try:
                await self.on_token(message)
            except Exception:  # noqa: BLE001 - the listener left (a closed socket): the turn goes on
                log.debug("token listener of %s/%s failed; no more tokens sent to it",
                          message.conversation_id, message.turn_id, exc_info=True)
                self.on_token = None

    def reply(self, replies: tuple[BotMessage, ...]) -> None:
        """The bot's answer arrived; resolve now, or when the decision it answers arrives."""
        if self.result.decision is not None or self.result.errors:
            self.resolve(replies)
        else:
            self._replies = replies

    def resolve(self, replies: tuple[BotMessage, ...]) -> None:
        if not self.done:
            self.result.replies = replies
            self.future.set_result(self.result)
