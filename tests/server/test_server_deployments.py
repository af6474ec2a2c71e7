"""One process or a Redis deployment (gateway + nlu/dm/nlg workers): the same stored records, in the same order.

Real components (TF-IDF NLU, rules, templates) and a real Redis tracker store; each deployment is a set of
`dialogue serve` / `dialogue worker` processes talked to over HTTP. Trackers are compared record by record,
with turn ids (timestamps) replaced by their order and ``ts`` left out.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server_helpers import Workers, free_port
from dialogue.messages import BotTurn, decode
from dialogue.stores.redis import RedisStore

REAL = Path(__file__).parent / "domain_real"
pytestmark = pytest.mark.redis
FAST = ["--shards", "8", "--lease-ms", "900", "--claim-idle-ms", "300"]
SCRIPT = ["hello", "where is my order", "track order 246810", "my email is jane.doe@example.com",
          "has my package shipped", "what is this", "bye"]


@pytest.fixture(scope="module")
def domain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tiny real domain with its NLU trained once, so every process starts with --no-train."""
    from dialogue.assembly import prepare_nlu
    from dialogue.domain import load_domain

    copy = tmp_path_factory.mktemp("deploy") / "real"
    shutil.copytree(REAL, copy, ignore=shutil.ignore_patterns(".dialogue"))
    prepare_nlu(load_domain(copy))
    return copy


def db(redis_url: str, number: int) -> str:
    return f"{redis_url.rsplit('/', 1)[0]}/{number}"


@contextlib.contextmanager
def serve(domain: Path, *args: str) -> Iterator[str]:
    """`dialogue serve` as a process; yields its base URL once ready."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "dialogue", "serve", str(domain), "--port", str(port),
                             "--no-train", "--turn-timeout", "30", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def redis_deployment(domain: Path, redis_url: str, store: str, per_kind: int = 1) -> Iterator[tuple[str, Workers]]:
    prefix = "d" + uuid.uuid4().hex[:8]
    workers = Workers(redis_url, prefix, domain, [*FAST, "--store", store, "--no-train"])
    try:
        for kind in ("nlu", "dm", "nlg"):
            workers.start(kind, per_kind)
        with serve(domain, "--bus", redis_url, "--prefix", prefix, "--shards", "8", "--store", store) as base:
            yield base, workers
    finally:
        workers.stop()


async def converse(base: str, conversation: str, script: list[str], done: list[int] | None = None) -> list[str]:
    said = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for text in script:
            reply = await client.post(f"/conversations/{conversation}/messages", json={"text": text})
            assert reply.status_code == 200, reply.text
            assert not reply.json()["error"], reply.json()
            said.append(" | ".join(m["text"] for m in reply.json()["messages"]))
            if done is not None:
                done.append(1)
    return said


async def trackers(store_url: str, conversations: list[str]) -> list[list[dict[str, Any]]]:
    store = RedisStore(store_url)
    try:
        return [await store.load(c) for c in conversations]
    finally:
        await store.close()


def normalised(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records without wall-clock fields: ``ts`` dropped, each turn id replaced by its rank."""
    turns: dict[int, int] = {}
    out = []
    for record in records:
        record = {k: v for k, v in record.items() if k != "ts"}
        if "turn" in record:
            record["turn"] = turns.setdefault(record["turn"], len(turns) + 1)
        out.append(record)
    return out


def assert_well_formed(records: list[dict[str, Any]], turns: int) -> None:
    users = [r["turn"] for r in records if r["type"] == "user"]
    replies = [r["turn"] for r in records if r["type"] == "reply"]
    assert len(users) == turns and users == sorted(users), users
    assert replies == users, "one reply record per turn, right after it"


@pytest.fixture(scope="module")
def deployment(domain: Path, redis_url: str) -> Iterator[str]:
    """A gateway and one worker of each kind, shared by the tests that kill nothing."""
    with redis_deployment(domain, redis_url, db(redis_url, 6)) as (base, _):
        yield base


async def test_one_script_stores_the_same_records_in_one_process_and_on_redis(
    domain: Path, redis_url: str, deployment: str
) -> None:
    run = uuid.uuid4().hex[:6]
    conversations = [f"{run}-{c}" for c in range(3)]
    with serve(domain, "--store", db(redis_url, 5)) as base:
        alone = await asyncio.gather(*(converse(base, c, SCRIPT) for c in conversations))
    spread = await asyncio.gather(*(converse(deployment, c, SCRIPT) for c in conversations))
    assert alone == spread
    one, many = await trackers(db(redis_url, 5), conversations), await trackers(db(redis_url, 6), conversations)
    for records in one + many:
        assert_well_formed(records, len(SCRIPT))
    assert [normalised(r) for r in one] == [normalised(r) for r in many]
    said = [[m["text"] for m in r["messages"]] for r in many[0] if r["type"] == "reply"]
    assert [" | ".join(s) for s in said] == spread[0]


async def test_concurrent_messages_to_one_conversation_are_stored_in_turn_order(redis_url: str, deployment: str) -> None:
    conversation = "burst-" + uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=deployment, timeout=60) as client:
        replies = await asyncio.gather(*(client.post(f"/conversations/{conversation}/messages",
                                                     json={"text": f"hello {i}"}) for i in range(50)))
    assert all(r.status_code == 200 and not r.json()["error"] for r in replies)
    (records,) = await trackers(db(redis_url, 6), [conversation])
    users = [r["turn"] for r in records if r["type"] == "user"]
    assert len(users) == 50 and users == sorted(users)
    assert sorted(r["turn"] for r in records if r["type"] == "reply") == sorted(users)


async def test_killing_each_worker_kind_and_freezing_redis_loses_and_duplicates_nothing(
    domain: Path, redis_url: str, redis_process: tuple[str, subprocess.Popen[bytes]]
) -> None:
    """Two workers of each kind under load; one of each kind is SIGKILLed, then Redis is frozen for 1.5 s."""
    import redis.asyncio as aioredis

    run = uuid.uuid4().hex[:6]
    conversations = [f"{run}-{c}" for c in range(10)]
    script = SCRIPT + SCRIPT[:3]
    with serve(domain, "--store", db(redis_url, 5)) as base:
        alone = await asyncio.gather(*(converse(base, c, script) for c in conversations))
    total = len(conversations) * len(script)
    with redis_deployment(domain, redis_url, db(redis_url, 6), per_kind=2) as (base, workers):
        done: list[int] = []
        load = [asyncio.create_task(converse(base, c, script, done)) for c in conversations]
        for kind, at in (("nlu", 0.1), ("dm", 0.3), ("nlg", 0.5)):
            while len(done) < total * at:
                await asyncio.sleep(0.02)
            victim = next(p for p in workers.procs if p.poll() is None and kind in p.args)  # type: ignore[operator]
            victim.send_signal(signal.SIGKILL)
        while len(done) < total * 0.65:
            await asyncio.sleep(0.02)
        redis_process[1].send_signal(signal.SIGSTOP)
        try:
            await asyncio.sleep(1.5)
        finally:
            redis_process[1].send_signal(signal.SIGCONT)
        assert not all(task.done() for task in load)
        spread = await asyncio.gather(*load)
        prefix = workers.prefix
    assert spread == alone
    one, many = await trackers(db(redis_url, 5), conversations), await trackers(db(redis_url, 6), conversations)
    for records in many:
        assert_well_formed(records, len(script))
    assert [normalised(r) for r in one] == [normalised(r) for r in many]
    r = aioredis.from_url(redis_url, decode_responses=True)
    replies: Counter[tuple[str, int]] = Counter()
    for shard in range(8):
        for _, fields in await r.xrange(f"{prefix}:s:{BotTurn.topic}:{shard}"):
            turn = decode(fields["m"])
            replies[(turn.conversation_id, turn.turn_id)] += 1
    await r.aclose()
    assert len(replies) == total and set(replies.values()) == {1}
