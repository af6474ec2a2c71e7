"""The pipeline split over processes: `dialogue worker` subprocesses on a real Redis, a gateway server."""

from __future__ import annotations

import asyncio
import contextlib
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

from dialogue.messages import BotTurn, ParsedMessage, decode
from dialogue.server import ServerConfig, create_app, started
from dialogue.server.build import BotOptions, build_service

DOMAIN = Path(__file__).parent / "domain"
pytestmark = pytest.mark.redis
FAST = ["--shards", "8", "--lease-ms", "900", "--claim-idle-ms", "300"]


class Workers:
    def __init__(self, redis_url: str, prefix: str) -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self.procs: list[subprocess.Popen[str]] = []
        self.consumers: dict[int, str] = {}  # pid → the bus consumer name it printed

    def start(self, kind: str, count: int = 1) -> list[subprocess.Popen[str]]:
        env = {**os.environ, "DIALOGUE_TEST_REDIS": self.redis_url}
        started = [
            subprocess.Popen(
                [sys.executable, "-m", "dialogue", "worker", kind, str(DOMAIN), "--bus", self.redis_url,
                 "--prefix", self.prefix, *FAST],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
            )
            for _ in range(count)
        ]
        for proc in started:
            line = proc.stdout.readline() if proc.stdout else ""
            assert "ready" in line, f"worker {kind} did not start: {line!r}"
            self.consumers[proc.pid] = line.strip().rsplit("(", 1)[1].rstrip(")")
        self.procs.extend(started)
        return started

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def workers(redis_url: str) -> Iterator[Workers]:
    pool = Workers(redis_url, "w" + uuid.uuid4().hex[:8])
    try:
        yield pool
    finally:
        pool.stop()


@contextlib.asynccontextmanager
async def gateway(redis_url: str, prefix: str) -> AsyncIterator[httpx.AsyncClient]:
    os.environ["DIALOGUE_TEST_REDIS"] = redis_url  # the gateway's own manager handles restarts only
    options = BotOptions(bus=redis_url, prefix=prefix, shards=8)
    app = create_app(lambda metrics: build_service(DOMAIN, options, metrics), ServerConfig(turn_timeout=20))
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
