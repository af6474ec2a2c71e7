"""The three pipeline stages: bus subscribers that each wrap one component.

    user.message ──NLUStage──▶ nlu.parsed ──DMStage──▶ conversation.event*, dm.decision
    dm.decision ──NLGStage──▶ bot.stream*, bot.turn

Each stage declares its ``kind`` (the subscriber name, and a worker's kind) and the ``topic``
it consumes; ``dialogue.wiring`` subscribes the stages a deployment shape runs. No component
imports another.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from dialogue.bus import Bus
from dialogue.messages import (
    BotToken,
    BotTurn,
    BusMessage,
    Decision,
    ParsedMessage,
)
from dialogue.nlu_stage import NLUStage
from dialogue.protocols import DialogueManager, Realiser

__all__ = ["STAGES", "DMStage", "NLGStage", "NLUStage", "Stage"]

#: the kinds of stage, in pipeline order (a failure of one means the turn gets no ``BotTurn``)
STAGES = ("nlu", "dm", "nlg")


class Stage(Protocol):
    """What the wiring needs of a stage: its kind, the topic it consumes, and the handler."""

    kind: ClassVar[str]
    topic: ClassVar[str]

    async def __call__(self, message: BusMessage) -> list[BusMessage]: ...


class DMStage:
    """nlu.parsed → conversation.event* + dm.decision."""

    kind: ClassVar[str] = "dm"
    topic: ClassVar[str] = ParsedMessage.topic

    def __init__(self, manager: DialogueManager) -> None:
        self.manager = manager

    async def __call__(self, message: BusMessage) -> list[BusMessage]:
        assert isinstance(message, ParsedMessage)
        decision, events = await self.manager.handle(message)
        return [*events, decision]


class NLGStage:
    """dm.decision → bot.stream* + bot.turn."""

    kind: ClassVar[str] = "nlg"
    topic: ClassVar[str] = Decision.topic

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
