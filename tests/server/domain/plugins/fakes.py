"""Small real components for the server tests: keyword NLU, a turn-counting manager, word NLG.

The manager keeps each conversation's turns keyed by turn id (in Redis when DIALOGUE_TEST_REDIS
is set, so separate worker processes share it), which makes replaying a turn harmless: the
reply to turn k of a conversation is always ``"<k>: <text>"``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from dialogue.messages import (
    BotMessage,
    ConversationRestarted,
    Decision,
    DialogueAct,
    Event,
    HandoffRequested,
    IntentScore,
    ParsedMessage,
    SlotSet,
)
from dialogue.protocols import ComponentConfig
from dialogue.registry import register


@register("nlu", "fake_keywords")
class KeywordNLU:
    """Intent from keywords; ``process_batch`` records batch sizes so batching is observable."""

    class Config(ComponentConfig):
        pass

    batch_sizes: list[int] = []

    @classmethod
    def from_config(cls, config: Config, domain: Any) -> KeywordNLU:
        return cls()

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        text = parse.text.lower()
        if "explode" in text:
            raise RuntimeError("the NLU exploded on purpose")
        if "poison" in text and os.environ.get("DIALOGUE_TEST_POISON"):
            os._exit(3)  # a worker killed by a message, as a segfault or the OOM killer would
        if "human" in text:
            name = "help"
        elif text.startswith(("hello", "hi")):
            name = "greet"
        else:
            name = "nlu_fallback"
        return parse.model_copy(update={"intent": IntentScore(name=name, confidence=1.0)})

    def process_batch(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]:
        type(self).batch_sizes.append(len(parses))
        return [self.process(p) for p in parses]


@register("store", "fake_memory")
class MemoryStore:
    class Config(ComponentConfig):
        pass

    def __init__(self) -> None:
        self.records: dict[str, list[dict[str, Any]]] = {}

    @classmethod
    def from_config(cls, config: Config, domain: Any) -> MemoryStore:
        return cls()

    async def load(self, conversation_id: str) -> list[dict[str, Any]]:
        return list(self.records.get(conversation_id, []))

    async def append(self, conversation_id: str, records: Sequence[dict[str, Any]]) -> None:
        self.records.setdefault(conversation_id, []).extend(records)

    async def replace(self, conversation_id: str, records: Sequence[dict[str, Any]]) -> None:
        self.records[conversation_id] = list(records)

    async def conversation_ids(self) -> list[str]:
        return list(self.records)

    async def close(self) -> None:
        pass


@register("dm", "fake_counter")
class CounterManager:
    class Config(ComponentConfig):
        pass

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.turns: dict[str, dict[int, str]] = {}
        url = os.environ.get("DIALOGUE_TEST_REDIS")
        self.redis: Any = None
        if url:
            import redis.asyncio as aioredis

            self.redis = aioredis.from_url(url, decode_responses=True)

    @classmethod
    def from_config(cls, config: Config, domain: Any, store: Any = None) -> CounterManager:
        return cls(store)

    async def _count(self, conversation_id: str, turn_id: int, text: str) -> int:
        if self.redis is not None:
            key = f"test:turns:{conversation_id}"
            await self.redis.hsetnx(key, str(turn_id), text)
            turns = [int(t) for t in await self.redis.hkeys(key)]
        else:
            self.turns.setdefault(conversation_id, {}).setdefault(turn_id, text)
            turns = list(self.turns[conversation_id])
        return sum(1 for t in turns if t <= turn_id)

    async def handle(self, parse: ParsedMessage) -> tuple[Decision, Sequence[Event]]:
        if "slow" in parse.text:
            await asyncio.sleep(0.5)
        count = await self._count(parse.conversation_id, parse.turn_id, parse.text)
        ids = {"conversation_id": parse.conversation_id, "turn_id": parse.turn_id}
        events: list[Event] = [SlotSet(**ids, name="count", value=count)]
        if parse.intent.name == "help":
            events.append(HandoffRequested(**ids, reason="asked for a human"))
        if self.store is not None:
            await self.store.append(parse.conversation_id, [{"turn_id": parse.turn_id, "text": parse.text,
                                                             "intent": parse.intent.name, "count": count}])
        act = DialogueAct(name="echo", text=f"{count}: {parse.text}")
        if parse.intent.name == "nlu_fallback" and "?" in parse.text:
            act = DialogueAct(name="utter_default", text="Sorry?")
        decision = Decision(**ids, acts=(act,), slots={"count": count}, channel=parse.channel)
        return decision, events

    async def restart(self, conversation_id: str, turn_id: int) -> Sequence[Event]:
        self.turns.pop(conversation_id, None)
        if self.redis is not None:
            await self.redis.delete(f"test:turns:{conversation_id}")
        if self.store is not None:
            await self.store.replace(conversation_id, [])
        return [ConversationRestarted(conversation_id=conversation_id, turn_id=turn_id)]

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


@register("nlg", "fake_words")
class WordRealiser:
    """Says each act's text, streaming it word by word when asked to."""

    class Config(ComponentConfig):
        pass

    @classmethod
    def from_config(cls, config: Config, domain: Any) -> WordRealiser:
        return cls()

    async def realise(self, decision: Decision, stream: Any = None) -> list[BotMessage]:
        messages = []
        for index, act in enumerate(decision.acts):
            text = act.text or act.name
            if stream is not None:
                for word in text.split(" "):
                    await stream(index, word + " ")
            messages.append(BotMessage(text=text, response=act.name))
        return messages
