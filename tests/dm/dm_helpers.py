"""Helpers for the DM tests: build parses without NLU, and chat with a manager turn by turn."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dialogue.domain import Domain
from dialogue.dm.manager import RuleDialogueManager
from dialogue.messages import Decision, Entity, Event, IntentScore, ParsedMessage
from dialogue.protocols import TrackerStore
from dialogue.stores.memory import MemoryStore

DOMAIN_DIR = Path(__file__).parent / "domain"
# unique across processes too, like the pipeline's time-based turn ids (a repeated id is a redelivery)
_turn_ids = itertools.count(time.time_ns() // 1000)


def parse(conversation_id: str, intent: str, text: str | None = None, confidence: float = 0.95,
          ranking: Sequence[tuple[str, float]] = (), metadata: dict[str, Any] | None = None,
          **entities: Any) -> ParsedMessage:
    """A parse as the NLU would give it: ``parse("c1", "inform", day="monday")``."""
    text = text if text is not None else f"{intent} " + " ".join(str(v) for v in entities.values())
    return ParsedMessage(
        conversation_id=conversation_id,
        turn_id=next(_turn_ids),
        text=text,
        intent=IntentScore(name=intent, confidence=confidence),
        intent_ranking=tuple(IntentScore(name=n, confidence=c) for n, c in ranking),
        entities=tuple(
            Entity(type=k, value=v, text=str(v), start=0, end=len(str(v))) for k, v in entities.items()
        ),
        metadata=metadata or {},
    )


class Chat:
    """Talks to a manager turn by turn and keeps the last decision and events."""

    def __init__(self, manager: RuleDialogueManager, conversation_id: str = "c1") -> None:
        self.manager = manager
        self.conversation_id = conversation_id
        self.decision: Decision | None = None
        self.events: Sequence[Event] = ()

    async def say(self, intent: str, text: str | None = None, **kwargs: Any) -> list[str]:
        """Send one message; returns the names of the acts (literal text acts as 'text:<text>')."""
        self.decision, self.events = await self.manager.handle(parse(self.conversation_id, intent, text, **kwargs))
        return self.acts

    @property
    def acts(self) -> list[str]:
        assert self.decision is not None
        return [a.name if a.name != "text" else f"text:{a.text}" for a in self.decision.acts]

    @property
    def slots(self) -> dict[str, Any]:
        assert self.decision is not None
        return self.decision.slots

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    def explained(self, fragment: str) -> bool:
        assert self.decision is not None
        return any(fragment in line for line in self.decision.explanation)


def make_manager(domain: Domain, store: TrackerStore | None = None, **config: Any) -> RuleDialogueManager:
    return RuleDialogueManager(domain, store or MemoryStore(), RuleDialogueManager.Config(**config))
