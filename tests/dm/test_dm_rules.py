"""Rule evaluation: priorities, file order, conditions, steps, and the end of a conversation."""

from __future__ import annotations

from pathlib import Path

import yaml

from dialogue.domain import load_domain
from dm_helpers import Chat, make_manager


async def test_higher_priority_rule_wins_once_its_condition_holds(chat: Chat) -> None:
    assert await chat.say("greet") == ["utter_greet"]
    assert await chat.say("greet") == ["utter_greet"]
    assert await chat.say("greet") == ["utter_greet_again"]  # priority 5, min_turn 3
    assert chat.explained("rule greet again fired (priority 5)")


async def test_ties_keep_file_order_and_more_specific_rule_goes_first(chat: Chat) -> None:
    assert await chat.say("order_status") == ["utter_ask_order_id"]
    assert await chat.say("order_status", order_id="12345") == ["text:Order 12345 is shipped."]
    assert chat.slots["order_status"] == "shipped"


async def test_expression_condition_and_set_slot_step(chat: Chat) -> None:
    assert await chat.say("spend", amount=50) == ["utter_small_spender"]
    assert chat.slots["vip"] is False
    assert await chat.say("spend", amount="250") == ["utter_big_spender"]
    assert chat.slots["amount"] == 250 and chat.slots["vip"] is True
    assert [e.kind for e in chat.events] == ["slot_set", "slot_set"]


async def test_expression_that_cannot_be_evaluated_does_not_match(chat: Chat) -> None:
    assert await chat.say("spend") == ["utter_small_spender"]  # amount unset: None > 100 fails
    assert chat.decision is not None


async def test_end_step_ends_and_next_message_starts_over(chat: Chat) -> None:
    await chat.say("spend", amount=300)
    assert await chat.say("goodbye") == ["utter_goodbye"]
    assert chat.decision is not None and chat.decision.ended
    assert chat.kinds() == ["conversation_ended"]
    assert await chat.say("greet") == ["utter_greet"]
    assert "conversation_restarted" in chat.kinds()
    assert chat.slots["vip"] is False and chat.slots["amount"] is None


async def test_reset_on_intent_restores_initial_value(chat: Chat) -> None:
    await chat.say("order_status", order_id="12345")
    assert chat.slots["order_id"] == "12345"
    await chat.say("greet")
    assert chat.slots["order_id"] is None


def _domain(tmp_path: Path, rules: list[dict], **sections: object) -> Path:
    data = {
        "intents": {"greet": ["hi"], "ask": ["what?"], "affirm": ["yes"]},
        "responses": {"utter_a": ["A"], "utter_b": ["B"], "utter_c": ["C"], "utter_default": ["?"]},
        "slots": {"level": {"type": "number"}},
        "rules": rules,
        **sections,
    }
    (tmp_path / "domain.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    return tmp_path


async def test_previous_action_and_turn_window(tmp_path: Path) -> None:
    domain = load_domain(_domain(tmp_path, [
        {"name": "after a", "when": {"intent": "affirm", "previous_action": "utter_a"}, "then": [{"respond": "utter_b"}]},
        {"name": "first turn", "when": {"intent": "greet", "max_turn": 1}, "then": [{"respond": "utter_a"}]},
        {"name": "later", "when": {"intent": "greet"}, "then": [{"respond": "utter_c"}]},
    ]))
    chat = Chat(make_manager(domain))
    assert await chat.say("greet") == ["utter_a"]
    assert await chat.say("affirm") == ["utter_b"]
    assert await chat.say("affirm") == ["utter_default"]  # previous action is now utter_b
    assert await chat.say("greet") == ["utter_c"]


async def test_rule_steps_run_in_order_and_clear_slot(tmp_path: Path) -> None:
    domain = load_domain(_domain(tmp_path, [
        {"name": "set", "when": {"intent": "greet"}, "then": [{"set_slot": {"level": "3"}}, {"respond": "utter_a"}]},
        {"name": "clear", "when": {"intent": "ask", "slots": {"level": "*"}},
         "then": [{"clear_slot": "level"}, {"respond": "utter_b"}, {"respond": "utter_c"}]},
    ]))
    chat = Chat(make_manager(domain))
    assert await chat.say("ask") == ["utter_default"]  # level unset: '*' does not match
    assert await chat.say("greet") == ["utter_a"]
    assert chat.slots["level"] == 3
    assert chat.decision is not None and chat.decision.acts[0].slots == {"level": 3}
    assert await chat.say("ask") == ["utter_b", "utter_c"]
    assert chat.slots["level"] is None
