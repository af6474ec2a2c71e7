"""The stages wired on the bus: a turn's reply, error isolation, payload buttons, streaming."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from dialogue.bus import InProcessBus
from dialogue.domain import load_domain
from dialogue.messages import (
    BotMessage,
    BotToken,
    BusMessage,
    Decision,
    DialogueAct,
    Event,
    IntentScore,
    ParsedMessage,
    SlotSet,
)
from dialogue.pipeline import Bot, NLUStage
from dialogue.text import EmptyText

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tiny"


class KeywordNLU:
    """Test double: 'hello' → greet, anything with 'boom' raises."""

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        if "boom" in parse.text:
            raise RuntimeError("classifier crashed")
        name = "greet" if "hello" in parse.text else "order_status"
        return parse.model_copy(update={"intent": IntentScore(name=name, confidence=0.9)})


class EchoManager:
    """Test double: remembers intents per conversation, answers with the intent as the act."""

    def __init__(self) -> None:
        self.seen: dict[str, list[str]] = {}

    async def handle(self, parse: ParsedMessage) -> tuple[Decision, Sequence[Event]]:
        self.seen.setdefault(parse.conversation_id, []).append(parse.intent.name)
        event = SlotSet(conversation_id=parse.conversation_id, turn_id=parse.turn_id, name="last", value=parse.text)
        decision = Decision(conversation_id=parse.conversation_id, turn_id=parse.turn_id,
                            acts=(DialogueAct(name=parse.intent.name),), slots={"last": parse.text})
        return decision, [event]

    async def restart(self, conversation_id: str, turn_id: int) -> Sequence[Event]:
        self.seen.pop(conversation_id, None)
        return []


class StreamingRealiser:
    async def realise(self, decision: Decision, stream=None) -> list[BotMessage]:  # type: ignore[no-untyped-def]
        text = f"act:{decision.acts[0].name}"
        if stream is not None:
            for ch in text:
                await stream(0, ch)
        return [BotMessage(text=text, response=decision.acts[0].name)]


@pytest.fixture
def bot() -> Bot:
    domain = load_domain(FIXTURE)
    return Bot(domain, InProcessBus(), NLUStage([KeywordNLU()], domain.intent_names), EchoManager(), StreamingRealiser())


async def test_a_turn_flows_through_every_stage(bot: Bot):
    seen_topics: list[str] = []

    async def tap(message: BusMessage) -> None:
        seen_topics.append(message.topic)

    bot.bus.subscribe("*", tap)
    turn = await bot.say("c1", "hello")
    await bot.bus.join()
    assert [m.text for m in turn.messages] == ["act:greet"]
    for topic in ("user.message", "nlu.parsed", "conversation.event", "dm.decision", "bot.stream", "bot.turn"):
        assert topic in seen_topics
    assert seen_topics.index("user.message") < seen_topics.index("nlu.parsed") < seen_topics.index("dm.decision")


async def test_failing_component_gives_error_reply_and_conversation_goes_on(bot: Bot):
    failed = await bot.say("c1", "boom")
    assert failed.messages[0].text == "Sorry, something went wrong on my side. Could you say that again?"
    after = await bot.say("c1", "hello again")
    assert after.messages[0].text == "act:greet"
    assert bot.dm.seen["c1"] == ["greet"]  # type: ignore[attr-defined]


async def test_button_payload_skips_the_classifier(bot: Bot):
    turn = await bot.say("c1", '/order_status{"order_id": "12345"}')
    assert turn.messages[0].text == "act:order_status"
    unknown = await bot.say("c1", "/not_an_intent")
    assert unknown.messages[0].text == "act:order_status"  # unknown payloads go to NLU like text


@pytest.mark.parametrize("text", ["\u200b", "\ufeff", "\x00", " \u200b\u2060\t", ""])
async def test_text_with_nothing_visible_never_reaches_the_nlu_or_the_manager(bot: Bot, text: str):
    published: list[BusMessage] = []

    async def tap(message: BusMessage) -> None:
        published.append(message)

    bot.bus.subscribe("*", tap)
    with pytest.raises(EmptyText):
        await bot.say("c1", text)
    await bot.bus.join()
    assert published == [] and "c1" not in bot.dm.seen  # type: ignore[attr-defined]


async def test_the_nlu_and_the_manager_see_the_cleaned_text(bot: Bot):
    parsed: list[str] = []

    async def tap(message: BusMessage) -> None:
        assert isinstance(message, ParsedMessage)
        parsed.append(message.text)

    bot.bus.subscribe("nlu.parsed", tap)
    turn = await bot.say("c1", "\ufeffhel\u200blo\x00 ")
    await bot.bus.join()
    assert turn.messages[0].text == "act:greet"  # "hel\u200blo" would not contain "hello"
    assert parsed == ["hello"]


async def test_streamed_tokens_arrive_in_order_before_the_turn(bot: Bot):
    tokens: list[str] = []

    async def collect(message: BusMessage) -> None:
        assert isinstance(message, BotToken)
        tokens.append(message.delta)

    bot.bus.subscribe("bot.stream", collect)
    turn = await bot.say("c9", "hello")
    await bot.bus.join()
    assert "".join(tokens) == turn.messages[0].text


async def test_concurrent_conversations_each_get_their_own_reply(bot: Bot):
    texts = [f"hello {i}" if i % 2 else f"order {i}" for i in range(40)]
    turns = await asyncio.gather(*(bot.say(f"conv{i}", text) for i, text in enumerate(texts)))
    for i, turn in enumerate(turns):
        assert turn.conversation_id == f"conv{i}"
        assert turn.messages[0].text == ("act:greet" if i % 2 else "act:order_status")


async def test_overlong_messages_are_truncated_not_fatal(bot: Bot):
    turn = await bot.say("c1", "x" * 100_000)
    assert turn.messages[0].text == "act:order_status"


class GeneratingRealiser:
    async def realise(self, decision: Decision, stream=None) -> list[BotMessage]:  # type: ignore[no-untyped-def]
        return [BotMessage(text="Hello!", response="utter_greet"), BotMessage(text="Written by a model.", generated=True)]


async def test_the_tracker_keeps_each_reply_and_whether_it_was_generated():
    from dialogue.dm.manager import RuleDialogueManager
    from dialogue.stores.memory import MemoryStore

    domain = load_domain(FIXTURE)
    manager = RuleDialogueManager(domain, MemoryStore())
    bot = Bot(domain, InProcessBus(), NLUStage([KeywordNLU()], domain.intent_names), manager, GeneratingRealiser())
    turn = await bot.say("c1", "hello")
    await bot.bus.join()
    replies = [r for r in (await manager.tracker("c1")).records if r["type"] == "reply"]
    assert [r["turn"] for r in replies] == [turn.turn_id]
    assert [(m["text"], m["generated"]) for m in replies[0]["messages"]] == [
        ("Hello!", False), ("Written by a model.", True)]
    stored = await manager.store.load("c1")
    assert any(r["type"] == "reply" for r in stored)  # persisted, not only cached
    again = await bot.say("c1", "hello")  # the reply record does not disturb the next turn
    assert again.messages[0].text == "Hello!"
