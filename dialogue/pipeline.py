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
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from dialogue.bus import Bus, InProcessBus
from dialogue.domain.model import Domain
from dialogue.locks import KeyedLocks
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
#: the subscriber names of the three stages (a failure of one means the turn gets no ``BotTurn``)
STAGES = ("nlu", "dm", "nlg")


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
    """A domain's components wired on a bus, answering one user message with one ``BotTurn``.

    A turn is answered once its reply is recorded in the tracker (managers with ``record_reply``),
    by the process that published the turn: so the stored records come in the same order on the
    in-process bus and on a Redis bus with several processes, and each reply is stored once.
    """

    #: turns published here whose reply is not recorded yet, at most this many (oldest forgotten)
    MAX_UNREPLIED = 100_000

    def __init__(self, domain: Domain, bus: Bus, nlu: NLUStage, dm: DialogueManager, nlg: Realiser) -> None:
        self.domain = domain
        self.bus = bus
        self.nlu = nlu
        self.dm = dm
        self.nlg = nlg
        self.turn_ids = TurnIds()
        self._waiting: dict[tuple[str, int], asyncio.Future[BotTurn]] = {}
        self._unreplied: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._sending = KeyedLocks()  # one publisher at a time per conversation, in arrival order
        bus.subscribe(UserMessage.topic, nlu, name="nlu")
        bus.subscribe(ParsedMessage.topic, DMStage(dm), name="dm")
        bus.subscribe(Decision.topic, NLGStage(nlg, bus), name="nlg")
        bus.subscribe(BotTurn.topic, self._on_turn, name="bot.reply")
        bus.subscribe(PipelineError.topic, self._on_error, name="bot.errors")

    @classmethod
    def from_domain(cls, domain: Domain, bus: Bus | None = None, **options: Any) -> Bot:
        from dialogue.assembly import assemble

        return assemble(domain, bus or InProcessBus(), **options)

    def user_message(self, conversation_id: str, text: str, channel: str = "api",
                     metadata: Mapping[str, Any] | None = None) -> UserMessage:
        """A new user turn; ``metadata`` is a dict of its own, so any key (even ``text``) is allowed."""
        return UserMessage(
            conversation_id=conversation_id,
            turn_id=self.turn_ids.next(),
            text=text,
            channel=channel,
            metadata=dict(metadata or {}),
        )

    async def handle(self, message: UserMessage, timeout: float | None = 60.0) -> BotTurn:
        """Publish a user message (its text cleaned, see ``dialogue.text``) and wait for the bot's whole reply.

        Raises ``EmptyText`` when nothing visible is left: such a message never reaches the NLU or the
        dialogue manager, and channels answer it themselves (422, an error frame, a hint).
        One conversation's messages are published one at a time, in the order ``handle`` was
        called (turn-id order when ids are taken just before): a bus whose publish awaits the
        network would otherwise let concurrent messages overtake each other.
        """
        text = clean_text(message.text)
        if not text:
            raise EmptyText("the message has no visible text")
        if text != message.text:
            message = message.model_copy(update={"text": text})
        key = (message.conversation_id, message.turn_id)
        future: asyncio.Future[BotTurn] = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        self._expect_reply(key)
        try:
            async with self._sending.hold(message.conversation_id):
                await self.bus.publish(message)
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiting.pop(key, None)

    def _expect_reply(self, key: tuple[str, int]) -> None:
        self._unreplied[key] = None
        while len(self._unreplied) > self.MAX_UNREPLIED:
            self._unreplied.popitem(last=False)

    async def say(self, conversation_id: str, text: str, channel: str = "api") -> BotTurn:
        return await self.handle(self.user_message(conversation_id, text, channel))

    async def _record_reply(self, message: BotTurn) -> None:
        """Managers that keep replies in their tracker (generated or not) get each turn's reply."""
        recorder = getattr(self.dm, "record_reply", None)
        if recorder is None or not message.messages:
            return
        try:
            await recorder(message)
        except Exception:  # noqa: BLE001 - the user still gets the reply; the trace says what was not stored
            log.exception("recording the reply of %s/%s failed", message.conversation_id, message.turn_id)

    async def _on_turn(self, message: BusMessage) -> None:
        assert isinstance(message, BotTurn)
        key = (message.conversation_id, message.turn_id)
        if key in self._unreplied:  # a turn this process published (other processes record theirs)
            del self._unreplied[key]
            await self._record_reply(message)
        future = self._waiting.get(key)
        if future is not None and not future.done():
            future.set_result(message)

    async def _on_error(self, message: BusMessage) -> None:
        """A stage failed: the user still gets a reply, and the conversation goes on."""
        assert isinstance(message, PipelineError)
        key = (message.conversation_id, message.turn_id)
        if message.failed_topic == BotTurn.topic:
            return
        if message.subscriber in STAGES:
            self._unreplied.pop(key, None)  # a stage failed: no reply is coming for this turn
        future = self._waiting.get(key)
        if future is None or future.done():
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
