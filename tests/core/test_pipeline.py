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


# --------------------------------------------------------------------------- the turn's result


async def test_handle_returns_the_whole_turn(bot: Bot):
    turn = await bot.say("c1", "hello")
    assert turn.parse is not None and turn.parse.intent.name == "greet" and turn.parse.text == "hello"
    assert turn.decision is not None and [a.name for a in turn.decision.acts] == ["greet"]
    assert [(e.kind, e.name, e.value) for e in turn.slot_changes] == [("slot_set", "last", "hello")]
    assert [m.text for m in turn.replies] == ["act:greet"] and turn.errors == []
    assert {turn.parse.turn_id, turn.decision.turn_id, turn.turn_id} == {turn.turn_id}


async def test_a_failed_turn_carries_its_error_and_no_decision(bot: Bot):
    turn = await bot.say("c1", "boom")
    assert [(e.subscriber, e.failed_topic) for e in turn.errors] == [("nlu", "user.message")]
    assert turn.parse is None and turn.decision is None and turn.events == []
    assert "RuntimeError: classifier crashed" in turn.errors[0].error
    assert turn.replies[0].text.startswith("Sorry, something went wrong")


async def test_each_concurrent_turn_gets_only_its_own_messages(bot: Bot):
    texts = [f"hello {i}" if i % 2 else f"order {i}" for i in range(30)]
    turns = await asyncio.gather(*(bot.say(f"conv{i % 3}", text) for i, text in enumerate(texts)))
    for text, turn in zip(texts, turns):
        assert turn.parse is not None and turn.parse.text == text
        assert turn.decision is not None and turn.decision.slots == {"last": text}
        assert [e.value for e in turn.slot_changes] == [text]


async def test_on_token_gets_the_streamed_reply_before_the_turn_returns(bot: Bot):
    tokens: list[BotToken] = []

    async def on_token(token: BotToken) -> None:
        tokens.append(token)

    turn = await bot.handle(bot.user_message("c1", "hello"), on_token=on_token)
    assert "".join(t.delta for t in tokens) == turn.replies[0].text
    assert {t.turn_id for t in tokens} == {turn.turn_id}


async def test_a_token_listener_that_fails_loses_the_stream_not_the_turn(bot: Bot):
    calls = 0

    async def gone(token: BotToken) -> None:
        nonlocal calls
        calls += 1
        raise ConnectionError("the client left")

    turn = await bot.handle(bot.user_message("c1", "hello"), on_token=gone)
    assert calls == 1 and turn.errors == [] and turn.replies[0].text == "act:greet"


async def test_a_failing_plugin_is_among_the_turns_errors(bot: Bot):
    async def broken(message: BusMessage) -> None:
        raise ValueError("plugin bug")

    bot.bus.subscribe("nlu.parsed", broken, name="plugin:broken")
    turn = await bot.say("c1", "hello")
    assert [e.subscriber for e in turn.errors] == ["plugin:broken"]
    assert turn.replies[0].text.startswith("Sorry, something went wrong")  # as before: any failure answers


def test_a_broadcast_read_of_several_streams_is_merged_in_publish_order():
    """One XREAD answers stream by stream; the bot's turn listener must still see decision before reply."""
    from dialogue.bus.redis import RedisStreamsBus, _FanOut

    fanout = _FanOut(RedisStreamsBus("redis://127.0.0.1:1/0", prefix="p"))
    reply = [  # streams as XREAD returns them: alphabetical, the reply first
        ("p:s:bot.turn:3", [("1700000000005-0", {"m": "turn"})]),
        ("p:s:conversation.event:3", [("1700000000004-0", {"m": "event"}), ("1700000000004-1", {"m": "event2"})]),
        ("p:s:dm.decision:3", [("1700000000004-0", {"m": "decision"})]),
        ("p:s:nlu.parsed:3", [("1700000000003-0", {"m": "parse"})]),
        ("p:s:system.error:3", [("1700000000004-0", {"m": "error"})]),
    ]
    order = [fields["m"] for _, _, fields in fanout._in_publish_order(reply)]
    assert order == ["parse", "event", "event2", "decision", "error", "turn"]
