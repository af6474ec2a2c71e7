"""Load-time checks: rules that can never fire or that conflict, unsafe expressions, unfillable forms."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dialogue.domain import DomainError, load_domain
from dialogue.dm.expressions import Expression, check_expression

BASE = {
    "intents": {"greet": ["hi"], "buy": ["buy"], "bye": ["bye"]},
    "entities": {"item": {}},
    "slots": {"size": {"type": "categorical", "values": ["s", "m"], "fill": [{"from": "entity", "entity": "item"}]},
              "amount": {"type": "number"}},
    "responses": {"utter_a": ["A"], "utter_b": ["B"]},
}


def problems(tmp_path: Path, **sections: object) -> list[str]:
    (tmp_path / "domain.yml").write_text(yaml.safe_dump({**BASE, **sections}, sort_keys=False))
    try:
        load_domain(tmp_path)
    except DomainError as exc:
        return [str(p) for p in exc.problems]
    return []


def rule(name: str, when: dict, priority: int = 0, say: str = "utter_a") -> dict:
    return {"name": name, "when": when, "then": [{"respond": say}], "priority": priority}


def test_specific_rule_after_general_one_can_never_fire(tmp_path: Path) -> None:
    found = problems(tmp_path, rules=[
        rule("any greet", {"intent": "greet"}),
        rule("greet with item", {"intent": "greet", "entities": ["item"]}),
    ])
    assert len(found) == 1
    assert "rule 'greet with item' can never fire: rule 'any greet' (priority 0)" in found[0]
    assert found[0].startswith(str(tmp_path / "domain.yml") + ":")  # file:line:column


def test_priority_fixes_the_order(tmp_path: Path) -> None:
    assert problems(tmp_path, rules=[
        rule("any greet", {"intent": "greet"}),
        rule("greet with item", {"intent": "greet", "entities": ["item"]}, priority=1),
    ]) == []


def test_catch_all_shadows_everything_after_it(tmp_path: Path) -> None:
    found = problems(tmp_path, rules=[rule("anything", {}), rule("greet", {"intent": "greet"})])
    assert any("rule 'greet' can never fire" in p for p in found)


def test_same_conditions_conflict(tmp_path: Path) -> None:
    found = problems(tmp_path, rules=[rule("one", {"intent": "buy"}), rule("two", {"intent": "buy"}, say="utter_b")])
    assert any("rule 'two' conflicts with rule 'one'" in p for p in found)


def test_contradictory_conditions(tmp_path: Path) -> None:
    found = problems(tmp_path, rules=[
        rule("turns", {"intent": "greet", "min_turn": 5, "max_turn": 2}),
        rule("bad value", {"intent": "buy", "slots": {"size": "xl"}}),
        rule("excluded", {"intent": "bye", "not_intent": "bye"}),
    ])
    assert any("min_turn 5 > max_turn 2" in p for p in found)
    assert any("'xl' is not a value of categorical slot 'size'" in p for p in found)
    assert any("every intent it needs is also excluded" in p for p in found)


def test_rules_preempted_by_handoff_or_form_cancel(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        intents={**BASE["intents"], "human_handoff": ["human"], "stop": ["stop"]},
        forms={"f": {"slots": {"size": {"prompt": "utter_a"}}, "cancel_intents": ["stop"]}},
        rules=[rule("human", {"intent": "human_handoff"}), rule("stop in form", {"intent": "stop", "form": "f"})],
    )
    assert any("rule 'human' can never fire: human_handoff is in the manager's handoff_intents" in p for p in found)
    assert any("rule 'stop in form' can never fire: while form 'f' is active, stop cancels it" in p for p in found)
    assert len(found) == 2


def test_expression_names_must_be_slots(tmp_path: Path) -> None:
    found = problems(tmp_path, rules=[rule("big", {"expression": "amout > 10"})])
    assert len(found) == 1 and "amout" in found[0] and 'Did you mean "amount"?' in found[0]


@pytest.mark.parametrize("expression", [
    "__import__('os').system('true')", "amount.__class__", "(lambda: 1)()", "open('x')", "amount >",
])
def test_unsafe_or_broken_expressions_are_rejected_with_position(tmp_path: Path, expression: str) -> None:
    found = problems(tmp_path, rules=[rule("bad", {"expression": expression})])
    assert len(found) == 1 and "expression" in found[0]
    assert ":" in found[0].split("domain.yml", 1)[1][:8]  # has a line number


def test_expression_evaluation() -> None:
    expression = Expression("amount > 100 and lower(size) in ['s', 'm'] and turn >= 2")
    assert expression.evaluate({"amount": 150, "size": "M", "turn": 2}) is True
    assert not expression.evaluate({"amount": 50, "size": "m", "turn": 2})
    assert check_expression("intent == 'buy' or not vip") == {"intent", "vip"}


def test_form_slot_nothing_can_fill(tmp_path: Path) -> None:
    found = problems(tmp_path, forms={"f": {"slots": {"amount": {"prompt": "utter_a"}}}})
    assert len(found) == 1 and "nothing the user says can fill it" in found[0]


def test_form_references_are_checked(tmp_path: Path) -> None:
    found = problems(tmp_path, forms={"f": {
        "slots": {"size": {"prompt": "utter_a", "validate": {"plugin": "check_size"}}},
        "affirm_intents": ["yes_please"],
    }})
    assert any("action 'check_size' is not defined" in p for p in found)
    assert any("intent 'yes_please' is not defined" in p for p in found)


def test_test_domain_is_valid() -> None:
    load_domain(Path(__file__).parent / "domain")
