"""The in-process bus: per-conversation order, concurrency across conversations, failure isolation."""

from __future__ import annotations

import asyncio
import random

from dialogue.bus import InProcessBus
from dialogue.messages import BotToken, BusMessage, PipelineError, UserMessage


def user(conversation: str, turn: int, text: str = "x") -> UserMessage:
    return UserMessage(conversation_id=conversation, turn_id=turn, text=text)


async def test_one_conversation_is_handled_in_publish_order_even_with_uneven_delays():
    bus = InProcessBus()
    seen: list[int] = []

    async def slow_handler(message: BusMessage) -> None:
        await asyncio.sleep(random.uniform(0, 0.004))
        seen.append(message.turn_id)

    bus.subscribe("user.message", slow_handler)
    for turn in range(50):
        await bus.publish(user("c1", turn))
    await bus.join()
    assert seen == list(range(50))


async def test_different_conversations_run_concurrently():
    bus = InProcessBus()
    running = 0
    peak = 0

    async def handler(message: BusMessage) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    bus.subscribe("user.message", handler)
    for conversation in range(10):
        await bus.publish(user(f"c{conversation}", 1))
    await bus.join()
    assert peak == 10


async def test_returned_messages_are_published_downstream_in_order():
    bus = InProcessBus()
    received: list[tuple[int, int]] = []

    async def stage(message: BusMessage) -> list[BusMessage]:
        assert isinstance(message, UserMessage)
        return [BotToken(conversation_id=message.conversation_id, turn_id=message.turn_id, index=i, delta=str(i))
                for i in range(3)]

    async def sink(message: BusMessage) -> None:
        assert isinstance(message, BotToken)
        received.append((message.turn_id, message.index))

    bus.subscribe("user.message", stage)
    bus.subscribe("bot.stream", sink)
    for turn in range(5):
        await bus.publish(user("c", turn))
    await bus.join()
    assert received == [(t, i) for t in range(5) for i in range(3)]


async def test_a_raising_subscriber_is_reported_and_does_not_stop_others(caplog):
    bus = InProcessBus()
    good: list[int] = []
    errors: list[PipelineError] = []

    async def broken(message: BusMessage) -> None:
        if message.turn_id == 2:
            raise RuntimeError("plugin exploded")

    async def healthy(message: BusMessage) -> None:
        good.append(message.turn_id)

    async def on_error(message: BusMessage) -> None:
        assert isinstance(message, PipelineError)
        errors.append(message)

    bus.subscribe("user.message", broken, name="broken-plugin")
    bus.subscribe("user.message", healthy)
    bus.subscribe("system.error", on_error)
    for turn in range(1, 5):
        await bus.publish(user("c", turn))
    await bus.join()
    assert good == [1, 2, 3, 4]
    assert [(e.subscriber, e.turn_id, e.failed_topic) for e in errors] == [("broken-plugin", 2, "user.message")]
    assert "RuntimeError: plugin exploded" in errors[0].error
    assert "plugin exploded" in caplog.text and "conversation c" in caplog.text


async def test_wildcard_subscriber_sees_every_topic():
    bus = InProcessBus()
    topics: list[str] = []

    async def tap(message: BusMessage) -> None:
        topics.append(message.topic)

    bus.subscribe("*", tap)
    await bus.publish(user("c", 1))
    await bus.publish(BotToken(conversation_id="c", turn_id=1, index=0, delta="x"))
    await bus.join()
    assert topics == ["user.message", "bot.stream"]


async def test_join_returns_immediately_when_idle():
    bus = InProcessBus()
    await asyncio.wait_for(bus.join(), 1)
