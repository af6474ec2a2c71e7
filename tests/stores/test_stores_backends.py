"""Every tracker store backend keeps the same contract, against real servers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from dialogue.protocols import TrackerStore
from dialogue.stores.base import StoreError
from dialogue.stores.memory import MemoryStore
from dialogue.stores.postgres import PostgresStore
from dialogue.stores.redis import RedisStore
from dialogue.stores.sqlite import SQLiteStore

BACKENDS = [
    "memory",
    "sqlite",
    pytest.param("redis", marks=pytest.mark.redis),
    pytest.param("postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], TrackerStore]:
    """A factory of stores that share the same backing data (as a new process would)."""
    kind = request.param
    if kind == "memory":
        shared = MemoryStore()
        return lambda: shared
    if kind == "sqlite":
        return lambda: SQLiteStore(tmp_path / "t.sqlite3")
    if kind == "redis":
        url, prefix = request.getfixturevalue("redis_url"), f"t{uuid.uuid4().hex[:8]}:"
        return lambda: RedisStore(url, prefix)
    dsn, table = request.getfixturevalue("postgres_dsn"), f"t_{uuid.uuid4().hex[:8]}"
    return lambda: PostgresStore(dsn, table)


@pytest.fixture
async def store(open_store: Callable[[], TrackerStore]) -> AsyncIterator[TrackerStore]:
    opened = open_store()
    yield opened
    await opened.close()


RECORDS: list[dict[str, Any]] = [
    {"type": "user", "turn": 1, "text": "héllo ☕", "entities": [{"type": "day", "value": "monday"}]},
    {"type": "slot", "turn": 1, "name": "people", "value": 4},
    {"type": "slot", "turn": 1, "name": "vip", "value": None},
]


async def test_append_and_load_keep_order_and_values(store: TrackerStore) -> None:
    assert await store.load("a") == []
    await store.append("a", RECORDS[:1])
    await store.append("a", RECORDS[1:])
    await store.append("a", [])
    assert await store.load("a") == RECORDS


async def test_conversations_are_separate(store: TrackerStore) -> None:
    await store.append("a", RECORDS[:1])
    await store.append("b", RECORDS[1:])
    assert await store.load("a") == RECORDS[:1]
    assert await store.load("b") == RECORDS[1:]
    assert await store.conversation_ids() == ["a", "b"]


async def test_replace(store: TrackerStore) -> None:
    await store.append("a", RECORDS)
    await store.replace("a", RECORDS[:1])
    assert await store.load("a") == RECORDS[:1]
    await store.replace("a", [])
    assert await store.load("a") == []
    assert "a" not in await store.conversation_ids()


async def test_data_survives_reopening(open_store: Callable[[], TrackerStore]) -> None:
    first = open_store()
    await first.append("keep", RECORDS)
    await first.close()
    second = open_store()
    assert await second.load("keep") == RECORDS
    await second.close()


async def test_concurrent_appends(store: TrackerStore) -> None:
    async def talk(cid: str) -> None:
        for i in range(10):
            await store.append(cid, [{"type": "user", "turn": i}])

    await asyncio.gather(*(talk(f"c{n}") for n in range(5)))
    for n in range(5):
        assert [r["turn"] for r in await store.load(f"c{n}")] == list(range(10))


async def test_bad_conversation_id(store: TrackerStore) -> None:
    with pytest.raises(StoreError, match="invalid conversation id"):
        await store.append("", RECORDS)


async def test_unreachable_servers_give_a_clear_error() -> None:
    with pytest.raises(StoreError, match="Redis store at redis://127.0.0.1:1/0"):
        await RedisStore("redis://127.0.0.1:1/0").load("a")
    with pytest.raises(StoreError, match="cannot use the PostgreSQL store"):
        await PostgresStore("host=127.0.0.1 port=1 user=nobody dbname=x connect_timeout=2").load("a")


async def test_sqlite_default_path_and_relative_path(tmp_path: Path) -> None:
    from dialogue.domain.model import Domain

    domain = Domain(path=tmp_path, name="x")
    default = SQLiteStore.from_config(SQLiteStore.Config(), domain)
    assert default.path == tmp_path / ".dialogue" / "conversations.sqlite3"
    custom = SQLiteStore.from_config(SQLiteStore.Config(path="data/c.db"), domain)
    await custom.append("a", RECORDS)
    assert (tmp_path / "data" / "c.db").is_file()
    await custom.close()


def test_stores_are_registered() -> None:
    from dialogue.registry import registry

    assert registry("store").get("sqlite") is SQLiteStore
    assert registry("store").get("redis") is RedisStore
    assert registry("store").get("postgres") is PostgresStore


async def test_positions_let_a_reader_catch_up_with_other_writers(open_store: Callable[[], TrackerStore]) -> None:
    """``append`` says where the conversation ends, ``load_from`` returns what came after a position."""
    from dialogue.stores.base import Position, StoreConflict

    mine, theirs = open_store(), open_store()  # two processes on the same data
    first = await mine.append("p", RECORDS[:1])
    assert first == Position(0, 1)
    whole = await mine.load_from("p")
    assert whole.whole and whole.records == RECORDS[:1] and whole.position == first
    assert await theirs.append("p", RECORDS[1:]) == Position(0, 3)
    tail = await mine.load_from("p", first)
    assert not tail.whole and tail.records == RECORDS[1:] and tail.position == Position(0, 3)
    with pytest.raises(StoreConflict):  # compare-and-append: mine read at 1, the store is at 3
        await mine.append("p", RECORDS[:1], expect=first)
    assert await mine.load("p") == RECORDS
    assert await mine.append("p", RECORDS[:1], expect=Position(0, 3)) == Position(0, 4)
    replaced = await theirs.replace("p", RECORDS[:2])
    assert replaced == Position(1, 2)
    after_replace = await mine.load_from("p", Position(0, 4))  # a new epoch: read it all again
    assert after_replace.whole and after_replace.records == RECORDS[:2] and after_replace.position == Position(1, 2)
    for store in {id(mine): mine, id(theirs): theirs}.values():
        await store.close()
