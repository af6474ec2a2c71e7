"""Where a message goes next: the stages that connect NLU, dialogue manager and NLG on the bus.

    channel ──UserMessage──▶ user.message ──NLUStage──▶ nlu.parsed ──DMStage──▶ dm.decision
            ◀──BotTurn──── bot.turn ◀──NLGStage──────────────────────────────────┘

Each stage is a bus subscriber wrapping one component; no component imports another.
``Bot`` assembles the stages for a domain and gives channels ``await bot.handle(message)``,
which returns the turn's ``TurnResult`` (parse, decision, events, replies, errors).
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
    BotTurn,
    BusMessage,
    Decision,
    DialogueAct,
    PipelineError,
    UserMessage,
)
from dialogue.protocols import DialogueManager, Realiser
from dialogue.stages import STAGES, DMStage, NLGStage, NLUStage
from dialogue.text import EmptyText, clean_text
from dialogue.turns import OpenTurn, TokenCallback, TurnResult
from dialogue.wiring import ONE_PROCESS, Plugin, Shape, Timer, wire

log = logging.getLogger("dialogue.pipeline")

DEFAULT_ERROR_TEXT = "Sorry, something went wrong on my side. Could you say that again?"
#: the subscriber through which a ``Bot`` follows the turns it published (a broadcast on a Redis bus)
TURN_LISTENER = "bot.turns"


class TurnIds:
    """Strictly increasing turn ids (microseconds since the epoch), unique across restarts."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        self._last = max(self._last + 1, time.time_ns() // 1000)
        return self._last


class Bot:
    """A domain's components wired on a bus, answering one user message with one ``TurnResult``.

    The bot follows its turns as one subscriber of every topic (``TURN_LISTENER``), so it sees a
    conversation's parse, events, decision, tokens and reply in publish order and hands the
    channel the whole turn at once. A turn is answered once its reply is recorded in the tracker
    (managers with ``record_reply``), by the process that published the turn: so the stored
    records come in the same order on the in-process bus and on a Redis bus with several
    processes, and each reply is stored once.
    """

    #: turns published here whose reply is not recorded yet, at most this many (oldest forgotten)
    MAX_UNREPLIED = 100_000

    def __init__(self, domain: Domain, bus: Bus, nlu: NLUStage, dm: DialogueManager, nlg: Realiser, *,
                 shape: Shape = ONE_PROCESS, plugins: Sequence[Plugin] = (), timed: Timer | None = None) -> None:
        """Wire the stages ``shape`` runs here (all of them by default) and the turn listener on ``bus``."""
        self.domain = domain
        self.bus = bus
        self.dm = dm
        self.nlg = nlg
        self.turn_ids = TurnIds()
        self._open: dict[tuple[str, int], OpenTurn] = {}
        self._unreplied: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._sending = KeyedLocks()  # one publisher at a time per conversation, in arrival order
        self.stages = wire(bus, shape, [nlu, DMStage(dm), NLGStage(nlg, bus)], turn_listener=(TURN_LISTENER, self._follow),
                           plugins=plugins, timed=timed)
        wired_nlu = self.stages.get(NLUStage.kind, nlu)  # the batching form, when the shape batches
        self.nlu = wired_nlu if isinstance(wired_nlu, NLUStage) else nlu

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

    async def handle(self, message: UserMessage, timeout: float | None = 60.0,
                     on_token: TokenCallback | None = None) -> TurnResult:
        """Publish a user message (its text cleaned, see ``dialogue.text``) and wait for the whole turn.

        ``on_token`` gets each piece of a reply the NLG streams, before the turn is returned.
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
        turn = self._open[key] = OpenTurn(message.conversation_id, message.turn_id, on_token)
        self._expect_reply(key)
        try:
            async with self._sending.hold(message.conversation_id):
                await self.bus.publish(message)
            return await asyncio.wait_for(turn.future, timeout)
        finally:
            self._open.pop(key, None)

    def _expect_reply(self, key: tuple[str, int]) -> None:
        self._unreplied[key] = None
        while len(self._unreplied) > self.MAX_UNREPLIED:
            self._unreplied.popitem(last=False)

    async def say(self, conversation_id: str, text: str, channel: str = "api") -> TurnResult:
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

    async def _follow(self, message: BusMessage) -> None:
        """Every message of a conversation, in publish order: fill the open turn, answer it on its reply."""
        key = (message.conversation_id, message.turn_id)
        turn = self._open.get(key)
        if isinstance(message, BotTurn):
            await self._on_turn(message, turn)
        elif isinstance(message, PipelineError):
            await self._on_error(message, turn)
        elif turn is not None:
            await turn.add(message)

    async def _on_turn(self, message: BotTurn, turn: OpenTurn | None) -> None:
        key = (message.conversation_id, message.turn_id)
        if key in self._unreplied:  # a turn this process published (other processes record theirs)
            del self._unreplied[key]
            await self._record_reply(message)
        if turn is not None:
            turn.reply(message.messages)

    async def _on_error(self, message: PipelineError, turn: OpenTurn | None) -> None:
        """A subscriber failed: the turn says so, and if it was a stage the user still gets a reply."""
        if turn is not None and not turn.done:
            turn.result.errors.append(message)
        if message.failed_topic == BotTurn.topic:
            return
        if message.subscriber in STAGES:
            self._unreplied.pop((message.conversation_id, message.turn_id), None)  # no reply is coming
        if turn is None or turn.done:
            return
        text = await self._error_text(message)
        turn.resolve((BotMessage(text=text, response=self.domain.settings.error_response),))

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


__all__ = ["STAGES", "TURN_LISTENER", "Bot", "DMStage", "NLGStage", "NLUStage", "TurnIds", "TurnResult"]
