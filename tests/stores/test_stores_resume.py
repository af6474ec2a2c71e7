"""A conversation started by one manager continues in a new one, on every store backend."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from dialogue.dm.manager import RuleDialogueManager
from dialogue.domain import load_domain
from dialogue.messages import Entity, IntentScore, ParsedMessage
from dialogue.protocols import TrackerStore

DOMAIN = Path(__file__).resolve().parents[1] / "dm" / "domain"
_turns = itertools.count(1)


def _parse(conversation_id: str, intent: str, **entities: object) -> ParsedMessage:
    return ParsedMessage(
        conversation_id=conversation_id, turn_id=next(_turns), text=intent, intent=IntentScore(name=intent, confidence=1.0),
        entities=tuple(Entity(type=k, value=v, text=str(v), start=0, end=1) for k, v in entities.items()),
    )


def _opener(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], TrackerStore]:
    """Opens a new store object on the same data each call, as a restarted process would."""
    name = uuid.uuid4().hex[:6]
    if kind == "sqlite":
        from dialogue.stores.sqlite import SQLiteStore

        return lambda: SQLiteStore(tmp_path / "resume.sqlite3")
    if kind == "redis":
        from dialogue.stores.redis import RedisStore

        url = request.getfixturevalue("redis_url")
        return lambda: RedisStore(url, prefix=f"resume{name}:")
    from dialogue.stores.postgres import PostgresStore

    dsn = request.getfixturevalue("postgres_dsn")
    return lambda: PostgresStore(dsn, table=f"resume_{name}")


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("redis", marks=pytest.mark.redis),
                                  pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_form_resumes_in_a_new_manager(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    domain = load_domain(DOMAIN)
    open_store = _opener(kind, request, tmp_path)
    first = RuleDialogueManager(domain, open_store())
    decision, _ = await first.handle(_parse("r1", "book", day="monday"))
    assert [a.name for a in decision.acts] == ["utter_ask_people"]
    await first.handle(_parse("r1", "inform", day="tuesday"))  # a correction
    await first.handle(_parse("r1", "undo"))  # ...undone again
    await first.close()

    second = RuleDialogueManager(domain, open_store())
    decision, _ = await second.handle(_parse("r1", "inform", people=2))
    assert [a.name for a in decision.acts] == ["utter_ask_email"]
    assert decision.slots["day"] == "monday" and decision.slots["people"] == 2
    await second.close()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("redis", marks=pytest.mark.redis),
                                  pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_cached_trackers_stay_right_with_two_managers_on_one_store(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Two workers with caches on take turns in one conversation; each sees what the other stored."""
    domain = load_domain(DOMAIN)
    open_store = _opener(kind, request, tmp_path)
    a, b = RuleDialogueManager(domain, open_store()), RuleDialogueManager(domain, open_store())
    assert a.config.cache_size > 0 and b.config.cache_size > 0
    decision, _ = await a.handle(_parse("two", "book", day="monday"))  # a caches the tracker
    assert [x.name for x in decision.acts] == ["utter_ask_people"]
    decision, _ = await b.handle(_parse("two", "inform", people=3))  # b moves the form on
    assert [x.name for x in decision.acts] == ["utter_ask_email"]
    decision, _ = await a.handle(_parse("two", "inform", day="friday"))  # a must see b's people=3
    assert decision.slots["people"] == 3 and decision.slots["day"] == "friday"
    records = await a.store.load("two")
    assert [r["turn"] for r in records if r["type"] == "user"] == sorted(r["turn"] for r in records
                                                                         if r["type"] == "user")
    assert (await a.tracker("two")).records == (await b.tracker("two")).records == records
    await a.close()
    await b.close()


async def test_a_turn_decided_on_a_stale_tracker_is_decided_again(tmp_path: Path) -> None:
    """Compare-and-append: if another process stored a turn between read and write, read and decide again."""
    from dialogue.stores.sqlite import SQLiteStore

    domain = load_domain(DOMAIN)
    a = RuleDialogueManager(domain, SQLiteStore(tmp_path / "race.sqlite3"))
    b = RuleDialogueManager(domain, SQLiteStore(tmp_path / "race.sqlite3"))
    await a.handle(_parse("race", "book", day="monday"))
    original = a._decide

    async def b_writes_first(turn: object) -> None:  # b stores its turn while a is deciding
        await b.handle(_parse("race", "inform", people=5))
        a._decide = original  # type: ignore[method-assign]
        await original(turn)  # type: ignore[arg-type]

    a._decide = b_writes_first  # type: ignore[method-assign]
    decision, _ = await a.handle(_parse("race", "inform", day="sunday"))
    assert decision.slots["people"] == 5  # decided again on the tracker that has b's turn
    users = [r for r in await a.store.load("race") if r["type"] == "user"]
    assert len(users) == 3  # nothing stored twice, nothing lost
    await a.close()
    await b.close()
