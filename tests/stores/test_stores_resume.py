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
