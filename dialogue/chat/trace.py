"""Collects what happened in each turn from the bus, for the ``/debug`` panel and ``/slots``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dialogue.bus import Bus
from dialogue.messages import BusMessage, Decision, Event, HandoffRequested, ParsedMessage, SlotSet


@dataclass
class TurnTrace:
    parse: ParsedMessage | None = None
    decision: Decision | None = None
    events: list[Event] = field(default_factory=list)

    @property
    def handoff(self) -> HandoffRequested | None:
        return next((e for e in self.events if isinstance(e, HandoffRequested)), None)

    @property
    def slot_changes(self) -> list[SlotSet]:
        return [e for e in self.events if isinstance(e, SlotSet)]


class TraceRecorder:
    """Subscribes to the NLU, DM and event topics for one conversation."""

    def __init__(self, bus: Bus, conversation_id: str) -> None:
        self.conversation_id = conversation_id
        self.turns: dict[int, TurnTrace] = {}
        self.slots: dict[str, Any] = {}
        for topic in (ParsedMessage.topic, Decision.topic, Event.topic):
            bus.subscribe(topic, self._record, name="terminal.trace")

    def turn(self, turn_id: int) -> TurnTrace:
        return self.turns.setdefault(turn_id, TurnTrace())

    async def _record(self, message: BusMessage) -> None:
        if message.conversation_id != self.conversation_id:
            return
        trace = self.turn(message.turn_id)
        if isinstance(message, ParsedMessage):
            trace.parse = message
        elif isinstance(message, Decision):
            trace.decision = message
            self.slots = dict(message.slots)
        elif isinstance(message, Event):
            trace.events.append(message)
