"""RedisStreamsBus against a real redis-server: delivery, ordering, idempotency, replay."""

from __future__ import annotations

import asyncio
import random
import uuid
from pathlib import Path

import pytest

from dialogue.assembly import assemble
from dialogue.bus.redis import RedisStreamsBus
from dialogue.domain import load_domain
from dialogue.messages import BusMessage, IntentScore, ParsedMessage, UserMessage, decode

DOMAIN = Path(__file__).parent / "domain"
pytestmark = pytest.mark.redis


def fresh_prefix() -> str:
    return "t" + uuid.uuid4().hex[:8]


def user(conversation: str, turn: int, text: str = "hi") -> UserMessage:
    return UserMessage(conversation_id=conversation, turn_id=turn, text=text)


async def test_redis_bus_runs_a_whole_bot_in_one_process(redis_url: str) -> None:
    bus = RedisStreamsBus(redis_url, prefix=fresh_prefix(), shards=4, block_ms=20)
    bot = assemble(load_domain(DOMAIN), bus)
    await bus.start()
    try:
        async def talk(c: int) -> list[str]:
            return [(await bot.say(f"conv{c}", f"hello {t}")).messages[0].text for t in range(3)]

        replies = await asyncio.gather(*(talk(c) for c in range(6)))
    finally:
        await bot.close()
    assert replies == [[f"{t + 1}: hello {t}" for t in range(3)] for _ in range(6)]


async def test_redis_bus_keeps_each_conversation_in_order_across_consumers(redis_url: str) -> None:
    prefix = fresh_prefix()
    seen: list[tuple[str, int, str]] = []

    def consumer(name: str) -> RedisStreamsBus:
        bus = RedisStreamsBus(redis_url, prefix=prefix, shards=8, lease_ms=600, block_ms=20, consumer=name)

        async def handle(message: BusMessage) -> None:
            await asyncio.sleep(random.random() * 0.004)
            seen.append((message.conversation_id, message.turn_id, name))

        bus.subscribe(UserMessage.topic, handle, name="recorder")
        return bus

    a, b = consumer("a"), consumer("b")
    publisher = RedisStreamsBus(redis_url, prefix=prefix, shards=8, run=set())
    await publisher.start()
    await a.start()
    await b.start()
    await asyncio.sleep(0.5)  # b joins: a hands over half the shards
    sends = [publisher.publish(user(f"c{c}", t)) for t in range(15) for c in range(12)]
    for send in sends:
        await send
    await a.join()
    await b.join()
    await a.close()
    await b.close()
    await publisher.close()
    for c in range(12):
        turns = [t for conv, t, _ in seen if conv == f"c{c}"]
        assert turns == list(range(15)), f"c{c}: {turns}"
    assert {name for *_, name in seen} == {"a", "b"}  # the load was shared


async def test_redis_bus_commit_is_idempotent_per_conversation_turn(redis_url: str) -> None:
    prefix = fresh_prefix()
    bus = RedisStreamsBus(redis_url, prefix=prefix, shards=1, run=set())  # no consumer: we deliver by hand
    calls: list[int] = []

    async def nlu(message: BusMessage) -> list[BusMessage]:
        calls.append(message.turn_id)
        return [ParsedMessage(conversation_id=message.conversation_id, turn_id=message.turn_id, text="x",
                              intent=IntentScore(name="greet", confidence=1.0))]

    sub = bus.subscribe(UserMessage.topic, nlu, name="nlu")
    await bus.start()
    try:
        stream = bus.stream(UserMessage.topic, 0)
        message = user("c1", 7)
        entry = await bus.redis.xadd(stream, {"m": message.model_dump_json()})
        duplicate = await bus.redis.xadd(stream, {"m": message.model_dump_json()})  # published twice
        await bus.handle_entry(sub, stream, entry, message)
        await bus.handle_entry(sub, stream, entry, message)  # redelivered
        await bus.handle_entry(sub, stream, duplicate, message)
        outputs = await bus.redis.xrange(bus.stream(ParsedMessage.topic, 0))
    finally:
        await bus.close()
    assert calls == [7]
    assert len(outputs) == 1 and decode(outputs[0][1]["m"]).turn_id == 7


async def test_redis_bus_health_follows_the_connection(redis_url: str) -> None:
    bus = RedisStreamsBus(redis_url, prefix=fresh_prefix(), shards=1)
    assert not await bus.healthy()
    await bus.start()
    assert await bus.healthy()
    await bus.close()
    assert not await bus.healthy()
