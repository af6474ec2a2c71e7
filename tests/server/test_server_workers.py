"""The pipeline split over processes: `dialogue worker` subprocesses on a real Redis, a gateway server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from server_helpers import Workers
from dialogue.messages import BotTurn, ParsedMessage, decode
from dialogue.server import ServerConfig, create_app, started
from dialogue.server.service_builder import BotOptions, build_service

DOMAIN = Path(__file__).parent / "domain"
pytestmark = pytest.mark.redis
FAST = ["--shards", "8", "--lease-ms", "900", "--claim-idle-ms", "300"]


@pytest.fixture
def workers(redis_url: str) -> Iterator[Workers]:
    pool = Workers(redis_url, "w" + uuid.uuid4().hex[:8], DOMAIN, FAST)
    try:
        yield pool
    finally:
        pool.stop()


@contextlib.asynccontextmanager
async def gateway(redis_url: str, prefix: str, turn_timeout: float = 20) -> AsyncIterator[httpx.AsyncClient]:
    os.environ["DIALOGUE_TEST_REDIS"] = redis_url  # the gateway's own manager handles restarts only
    options = BotOptions(bus=redis_url, prefix=prefix, shards=8)
    app = create_app(lambda metrics: build_service(DOMAIN, options, metrics), ServerConfig(turn_timeout=turn_timeout))
    async with app.router.lifespan_context(app):
        await started(app)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw", timeout=30) as c:
            yield c


async def converse(
    client: httpx.AsyncClient, conversation: str, turns: int, done: list[int] | None = None
) -> list[str]:
    texts = []
    for t in range(turns):
        reply = await client.post(f"/conversations/{conversation}/messages", json={"text": f"hello {t}"})
        assert reply.status_code == 200, reply.text
        texts.append(reply.json()["messages"][0]["text"])
        if done is not None:
            done.append(1)
    return texts


async def test_workers_multi_process_pipeline_completes_conversations(redis_url: str, workers: Workers) -> None:
    for kind in ("nlu", "dm", "nlg"):
        workers.start(kind)
    run = uuid.uuid4().hex[:6]
    async with gateway(redis_url, workers.prefix) as client:
        results = await asyncio.gather(*(converse(client, f"{run}-{c}", 4) for c in range(8)))
        restart = await client.post(f"/conversations/{run}-0/restart")
        again = await converse(client, f"{run}-0", 1)
    assert results == [[f"{t + 1}: hello {t}" for t in range(4)] for _ in range(8)]
    assert restart.status_code == 200 and again == ["1: hello 0"]


async def test_workers_killing_a_worker_loses_no_message_and_duplicates_no_reply(
    redis_url: str, workers: Workers
) -> None:
    import redis.asyncio as aioredis

    workers.start("nlu")
    dms = workers.start("dm", 2)
    workers.start("nlg")
    run = uuid.uuid4().hex[:6]
    conversations, turns = 12, 10
    r = aioredis.from_url(redis_url, decode_responses=True)
    leases = [f"{workers.prefix}:lease:dm:{ParsedMessage.topic}:{shard}" for shard in range(8)]
    async with gateway(redis_url, workers.prefix) as client:
        done: list[int] = []
        load = [asyncio.create_task(converse(client, f"{run}-{c}", turns, done)) for c in range(conversations)]
        while len(done) < 20:  # kill once the load is well under way
            await asyncio.sleep(0.02)
        owners = set(await r.mget(leases))
        # the victim is a dm worker that owns shards right now (which one does depends on start-up timing)
        target = next(p for p in dms if workers.consumers[p.pid] in owners)
        victim = workers.consumers[target.pid]
        assert target.poll() is None and not all(task.done() for task in load)
        target.send_signal(signal.SIGKILL)  # mid-load: it holds leases and unacknowledged messages
        results = await asyncio.gather(*load)
        for _ in range(30):  # its leases expire and its shards move to the survivor
            if victim not in await r.mget(leases) and None not in await r.mget(leases):
                break
            await asyncio.sleep(0.1)
        assert victim not in await r.mget(leases) and None not in await r.mget(leases)
    assert results == [[f"{t + 1}: hello {t}" for t in range(turns)] for _ in range(conversations)]
    for shard in range(8):  # everything was acknowledged in the end
        assert (await r.xpending(f"{workers.prefix}:s:{ParsedMessage.topic}:{shard}", "dm"))["pending"] == 0

    replies: Counter[tuple[str, int]] = Counter()
    for shard in range(8):
        for _, fields in await r.xrange(f"{workers.prefix}:s:{BotTurn.topic}:{shard}"):
            turn = decode(fields["m"])
            if turn.conversation_id.startswith(run):
                replies[(turn.conversation_id, turn.turn_id)] += 1
    await r.aclose()
    assert len(replies) == conversations * turns
    assert set(replies.values()) == {1}


def dead_letters(redis_url: str, prefix: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "dialogue", "dead-letters", *args, "--bus", redis_url,
                           "--prefix", prefix], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_a_message_that_kills_every_worker_goes_to_the_dead_letters_and_can_be_replayed(
    redis_url: str, workers: Workers
) -> None:
    import redis.asyncio as aioredis

    poisoned = {"DIALOGUE_TEST_POISON": "1"}  # the fake NLU dies (os._exit) on "poison"
    workers.start("nlu", env=poisoned)
    workers.start("dm")
    workers.start("nlg")
    run = uuid.uuid4().hex[:6]
    async with gateway(redis_url, workers.prefix, turn_timeout=90) as client:
        pill = asyncio.create_task(client.post(f"/conversations/{run}-p/messages", json={"text": "poison pill"}))
        deaths, deadline = 0, asyncio.get_running_loop().time() + 80
        while not pill.done():  # a supervisor restarting the worker each time it dies
            assert asyncio.get_running_loop().time() < deadline
            for proc in [p for p in workers.procs if p.returncode is None and p.poll() is not None]:
                deaths += 1
                workers.start("nlu", env=poisoned, may_die=True)
            await asyncio.sleep(0.05)
        reply = await pill
        others = await converse(client, f"{run}-ok", 2)  # the bus is still healthy
    assert reply.status_code == 200 and reply.json()["error"] is True  # the user got the error response
    assert deaths == 3 and others == ["1: hello 0", "2: hello 1"]

    (letter,) = [json.loads(line) for line in dead_letters(redis_url, workers.prefix, "list", "--json").splitlines()]
    assert letter["group"] == "nlu" and letter["deliveries"] == 3 and "died or hung" in letter["error"]
    assert decode(letter["message"]).text == "poison pill"
    assert "1 dead letter(s)" in dead_letters(redis_url, workers.prefix, "list")

    for proc in workers.procs:  # the bug is fixed: an NLU worker without the poison
        if proc.poll() is None and "nlu" in proc.args:  # type: ignore[operator]
            proc.terminate()
            proc.wait(timeout=10)
    workers.start("nlu")
    assert "replayed 1 of 1" in dead_letters(redis_url, workers.prefix, "replay", letter["id"])
    r = aioredis.from_url(redis_url, decode_responses=True)
    turn_id = str(decode(letter["message"]).turn_id)
    for _ in range(200):  # the replayed message reaches the manager (which keeps turns in Redis)
        if turn_id in await r.hkeys(f"test:turns:{run}-p"):
            break
        await asyncio.sleep(0.05)
    assert turn_id in await r.hkeys(f"test:turns:{run}-p")
    await r.aclose()
    assert dead_letters(redis_url, workers.prefix, "list", "--json").strip() == ""
