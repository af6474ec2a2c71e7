"""Where a message goes next: the stages that connect NLU, dialogue manager and NLG on the bus.

    channel ──UserMessage──▶ user.message ──NLUStage──▶ nlu.parsed ──DMStage──▶ dm.decision
            ◀──BotTurn──── bot.turn ◀──NLGStage──────────────────────────────────┘

Each stage is a bus subscriber wrapping one component; no component imports another.
``Bot`` assembles the stages for a domain and gives channels ``await bot.handle(message)``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from dialogue.bus import Bus, InProcessBus
from dialogue.domain.model import Domain
from dialogue.messages import (
    BotMessage,
    BotToken,
    BotTurn,
    BusMessage,
    Decision,
    DialogueAct,
    IntentScore,
    ParsedMessage,
    PipelineError,
    UserMessage,
)
from dialogue.payloads import parse_payload
from dialogue.protocols import DialogueManager, NLUComponent, Realiser
from dialogue.text import EmptyText, clean_text

log = logging.getLogger("dialogue.pipeline")

DEFAULT_ERROR_TEXT = "Sorry, something went wrong on my side. Could you say that again?"


class NLUStage:
    """user.message → nlu.parsed. Runs the NLU components in order, each enriching the parse."""

    def __init__(self, components: Sequence[NLUComponent], intents: Sequence[str] = (), max_chars: int = 2000) -> None:
        self.components = list(components)
        self.intents = list(intents)
        self.max_chars = max_chars

    def start_parse(self, message: UserMessage) -> ParsedMessage:
        """The empty parse the first component receives (over-long text is cut, not refused)."""
        return ParsedMessage(
            conversation_id=message.conversation_id,
            turn_id=message.turn_id,
            text=message.text[: self.max_chars],
            intent=IntentScore(name="", confidence=0.0),
            channel=message.channel,
            metadata=message.metadata,
        )

    def parse(self, message: UserMessage) -> ParsedMessage:
        parse = self.start_parse(message)
        payload = parse_payload(parse, self.intents)
        if payload is not None:
            return payload
        for component in self.components:
            parse = component.process(parse)
        return parse

    async def __call__(self, message: BusMessage) -> list[BusMessage]:
        assert isinstance(message, UserMessage)
        return [await asyncio.to_thread(self.parse, message)]


class DMStage:
    """nlu.parsed → conversation.event* + dm.decision."""

    def __init__(self, manager: DialogueManager) -> None:
        self.manager = manager

    async def __call__(self, message: BusMessage) -> list[BusMessage]:
        assert isinstance(message, ParsedMessage)
        decision, events = await self.manager.handle(message)
        return [*events, decision]


class NLGStage:
    """dm.decision → bot.stream* + bot.turn."""

    def __init__(self, realiser: Realiser, bus: Bus) -> None:
        self.realiser = realiser
        self.bus = bus

    async def __call__(self, message: BusMessage) -> list[BusMessage]:
        assert isinstance(message, Decision)

        async def stream(index: int, delta: str) -> None:
            await self.bus.publish(
                BotToken(conversation_id=message.conversation_id, turn_id=message.turn_id, index=index, delta=delta)
            )

        messages = await self.realiser.realise(message, stream)
        return [
            BotTurn(
                conversation_id=message.conversation_id,
                turn_id=message.turn_id,
                messages=tuple(messages),
                channel=message.channel,
            )
        ]


class TurnIds:
    """Strictly increasing turn ids (microseconds since the epoch), unique across restarts."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        self._last = max(self._last + 1, time.time_ns() // 1000)
        return self._last


class Bot:
    """A domain's components wired on a bus, answering one user message with one ``BotTurn``."""

    def __init__(self, domain: Domain, bus: Bus, nlu: NLUStage, dm: DialogueManager, nlg: Realiser) -> None:
        self.domain = domain
        self.bus = bus
        self.nlu = nlu
        self.dm = dm
        self.nlg = nlg
        self.turn_ids = TurnIds()
        self._waiting: dict[tuple[str, int], asyncio.Future[BotTurn]] = {}
        bus.subscribe(UserMessage.topic, nlu, name="nlu")
        bus.subscribe(ParsedMessage.topic, DMStage(dm), name="dm")
        bus.subscribe(Decision.topic, NLGStage(nlg, bus), name="nlg")
        bus.subscribe(BotTurn.topic, self._on_turn, name="bot.reply")
        bus.subscribe(BotTurn.topic, self._record_reply, name="dm.record_reply")
        bus.subscribe(PipelineError.topic, self._on_error, name="bot.errors")

    @classmethod
    def from_domain(cls, domain: Domain, bus: Bus | None = None, **options: Any) -> Bot:
        from dialogue.assembly import assemble

        return assemble(domain, bus or InProcessBus(), **options)

    def user_message(self, conversation_id: str, text: str, channel: str = "api", **metadata: Any) -> UserMessage:
        return UserMessage(
            conversation_id=conversation_id,
            turn_id=self.turn_ids.next(),
            text=text,
            channel=channel,
            metadata=metadata,
        )

    async def handle(self, message: UserMessage, timeout: float | None = 60.0) -> BotTurn:
        """Publish a user message (its text cleaned, see ``dialogue.text``) and wait for the bot's whole reply.

        Raises ``EmptyText`` when nothing visible is left: such a message never reaches the NLU or the
        dialogue manager, and channels answer it themselves (422, an error frame, a hint).
        """
        text = clean_text(message.text)
        if not text:
            raise EmptyText("the message has no visible text")
        if text != message.text:
            message = message.model_copy(update={"text": text})
        key = (message.conversation_id, message.turn_id)
        future: asyncio.Future[BotTurn] = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        try:
            await self.bus.publish(message)
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiting.pop(key, None)

    async def say(self, conversation_id: str, text: str, channel: str = "api") -> BotTurn:
        return await self.handle(self.user_message(conversation_id, text, channel))

    async def _record_reply(self, message: BusMessage) -> None:
        """Managers that keep replies in their tracker (generated or not) get each turn's reply."""
        recorder = getattr(self.dm, "record_reply", None)
        if recorder is not None and isinstance(message, BotTurn) and message.messages:
            await recorder(message)

    async def _on_turn(self, message: BusMessage) -> None:
        future = self._waiting.get((message.conversation_id, message.turn_id))
        if future is not None and not future.done():
            assert isinstance(message, BotTurn)
            future.set_result(message)

    async def _on_error(self, message: BusMessage) -> None:
        """A stage failed: the user still gets a reply, and the conversation goes on."""
        assert isinstance(message, PipelineError)
        future = self._waiting.get((message.conversation_id, message.turn_id))
        if future is None or future.done():
            return
        if message.failed_topic == BotTurn.topic:
            return
        text = await self._error_text(message)
        future.set_result(
            BotTurn(
                conversation_id=message.conversation_id,
                turn_id=message.turn_id,
                messages=(BotMessage(text=text, response=self.domain.settings.error_response),),
            )
        )

    async def _error_text(self, error: PipelineError) -> str:
        name = self.domain.settings.error_response
        if name not in self.domain.responses:
            return DEFAULT_ERROR_TEXT
        decision = Decision(conversation_id=error.conversation_id, turn_id=error.turn_id, acts=(DialogueAct(name=name),))
        try:
            rendered = await self.nlg.realise(decision, None)
        except Exception:  # noqa: BLE001 - the error reply itself must never fail
            log.exception("rendering the error response failed")
            return DEFAULT_ERROR_TEXT
        return rendered[0].text if rendered else DEFAULT_ERROR_TEXT

    async def greet(self, conversation_id: str) -> list[BotMessage]:
        """The domain's opening message (a welcome, a disclaimer), if it has one."""
        name = self.domain.settings.greeting_response
        if not name:
            return []
        decision = Decision(conversation_id=conversation_id, turn_id=0, acts=(DialogueAct(name=name),))
        return await self.nlg.realise(decision, None)

    async def undo(self, conversation_id: str) -> bool:
        """Rewind the last user turn; False if the manager cannot or there is nothing to undo."""
        undo = getattr(self.dm, "undo", None)
        if undo is None:
            return False
        events = await undo(conversation_id, self.turn_ids.next())
        for event in events:
            await self.bus.publish(event)
        return bool(events)

    async def slots(self, conversation_id: str) -> dict[str, Any] | None:
        """Current slot values, when the manager exposes them."""
        reader = getattr(self.dm, "slots", None)
        return dict(await reader(conversation_id)) if reader is not None else None

    async def restart(self, conversation_id: str) -> None:
        for event in await self.dm.restart(conversation_id, self.turn_ids.next()):
            await self.bus.publish(event)

    async def close(self) -> None:
        await self.bus.close()
        closer = getattr(self.dm, "close", None)
        if closer is not None:
            await closer()
