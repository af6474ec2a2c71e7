"""Slot types, declarative validation, and the tracker's fold over records."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from dialogue.domain.schema.dm import SlotSpec, Validation
from dialogue.dm import slot_checks
from dialogue.dm.slots import SlotValueError, coerce
from dialogue.dm.tracker import Tracker, record


@pytest.mark.parametrize(("spec", "raw", "expected"), [
    ({"type": "number"}, "4", 4),
    ({"type": "number"}, "1,250.5", 1250.5),
    ({"type": "number"}, 7.5, 7.5),
    ({"type": "boolean"}, "Yes", True),
    ({"type": "boolean"}, "nope", False),
    ({"type": "categorical", "values": ["Small", "Large"]}, "large", "Large"),
    ({"type": "list"}, "a", ["a"]),
    ({"type": "list"}, ("a", "b"), ["a", "b"]),
    ({"type": "date"}, "2031-05-06T10:30:00", "2031-05-06"),
    ({"type": "datetime"}, "2031-05-06T10:30:00+02:00", "2031-05-06T10:30:00+02:00"),
    ({"type": "time"}, "2031-05-06T10:30:00", "10:30:00"),
    ({"type": "text"}, 12345, "12345"),
    ({"type": "any"}, {"x": 1}, {"x": 1}),
])
def test_coercion(spec: dict[str, Any], raw: Any, expected: Any) -> None:
    assert coerce(SlotSpec(**spec), raw) == expected


@pytest.mark.parametrize(("spec", "raw"), [
    ({"type": "number"}, "four"),
    ({"type": "number"}, True),
    ({"type": "boolean"}, "maybe"),
    ({"type": "categorical", "values": ["s"]}, "xl"),
    ({"type": "date"}, "next tuesday"),
])
def test_values_that_do_not_fit_are_refused(spec: dict[str, Any], raw: Any) -> None:
    with pytest.raises(SlotValueError):
        coerce(SlotSpec(**spec), raw)


def test_categorical_slot_needs_values() -> None:
    with pytest.raises(ValueError, match="needs its allowed values"):
        SlotSpec(type="categorical")


def test_declarative_validation() -> None:
    today = date.today()
    assert slot_checks.check(Validation(choices=["Mon", "Tue"]), "tue") == ("Tue", None)
    assert slot_checks.check(Validation(choices=["Mon"]), "sun")[1] == "'sun' is not one of Mon"
    assert slot_checks.check(Validation(regex=r"\d{5}"), "12345")[1] is None
    assert slot_checks.check(Validation(regex=r"\d{5}"), "123456")[1] is not None
    assert slot_checks.check(Validation(min=1, max=12), 12)[1] is None
    assert "below the minimum 1" in str(slot_checks.check(Validation(min=1), 0)[1])
    assert "not a number" in str(slot_checks.check(Validation(max=3), "many")[1])
    tomorrow, yesterday = (today + timedelta(days=1)).isoformat(), (today - timedelta(days=1)).isoformat()
    assert slot_checks.check(Validation(future=True), tomorrow)[1] is None
    assert "not in the future" in str(slot_checks.check(Validation(future=True), today.isoformat())[1])
    assert slot_checks.check(Validation(past=True), yesterday)[1] is None
    soon = (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat()
    assert slot_checks.check(Validation(future=True), soon)[1] is None
    assert "not a date" in str(slot_checks.check(Validation(future=True), "soon")[1])


def test_tracker_replays_restart_and_undo() -> None:
    records = [
        record("user", 1, text="a"), record("slot", 1, name="x", value=1),
        record("user", 2, text="b"), record("slot", 2, name="x", value=2),
        record("form_start", 2, name="f"),
        record("undo", 3),
    ]
    tracker = Tracker("c", {"x": None}, records)
    assert tracker.state.slots == {"x": 1} and tracker.state.form is None and tracker.state.turns == 1
    tracker.add(record("restart", 4))
    assert tracker.state.slots == {"x": None} and tracker.state.turns == 0 and tracker.history == []
    assert len(tracker.records) == 7  # nothing is deleted


def test_malformed_stored_records_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    records = [record("user", 1, text="a"), {"no": "type"}, {"type": "slot", "turn": 1}, record("slot", 1, name="x", value=3)]
    tracker = Tracker("c", {"x": None}, records)  # type: ignore[arg-type]
    assert tracker.state.slots == {"x": 3} and tracker.state.turns == 1
    assert caplog.text.count("skipping malformed") == 2


async def test_any_slot_values_are_kept_as_they_come_back_from_the_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dm_helpers import Chat, make_manager

    from dialogue.actions import ActionContext, action
    from dialogue.domain import load_domain
    from dialogue.stores.sqlite import SQLiteStore

    @action("dmtest_structured")
    async def structured(ctx: ActionContext) -> None:
        ctx.set_slot("info", {"when": datetime(2030, 1, 2, tzinfo=timezone.utc), "items": ("a", "b")})

    (tmp_path / "domain.yml").write_text(
        "intents: {go: [go]}\nslots: {info: {type: any}}\nactions: {dmtest_structured: {}}\n"
        "rules: [{name: go, when: {intent: go}, then: [{action: dmtest_structured}]}]\n"
    )
    domain = load_domain(tmp_path)
    chat = Chat(make_manager(domain, SQLiteStore(tmp_path / "s.sqlite3")))
    await chat.say("go")
    expected = {"when": "2030-01-02 00:00:00+00:00", "items": ["a", "b"]}
    assert chat.slots["info"] == expected
    reloaded = await make_manager(domain, SQLiteStore(tmp_path / "s.sqlite3")).tracker("c1")
    assert reloaded.state.slots["info"] == expected
