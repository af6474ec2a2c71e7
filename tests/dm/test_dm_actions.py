"""Custom actions: results applied on success only; errors and timeouts reply, log and keep state."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from dialogue.actions import ActionContext, action
from dialogue.domain import load_domain
from dm_helpers import Chat, make_manager


async def test_action_sets_slots_says_text_and_hands_off(chat: Chat, service: dict[str, Any]) -> None:
    assert await chat.say("order_status", order_id="12345") == ["text:Order 12345 is shipped."]
    assert chat.kinds() == ["slot_set", "action_executed", "slot_set"]  # order_id from the entity, then the action
    assert await chat.say("order_status", order_id="999") == ["text:Order 999 is unknown."]
    assert chat.slots["order_status"] == "unknown"
    assert chat.kinds()[-1] == "handoff_requested"


async def test_action_that_raises_replies_with_error_and_keeps_state(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    await chat.say("order_status", order_id="12345")
    with caplog.at_level(logging.ERROR, logger="dialogue.dm.actions"):
        acts = await chat.say("broken")
    assert acts == ["utter_error"]  # the rule stopped: utter_greet after the action is not said
    assert chat.slots["order_status"] == "shipped"  # the action's set_slot was not applied
    assert chat.slots["vip"] is True  # the step before the action was
    assert [(e.kind, getattr(e, "ok", None)) for e in chat.events][-1] == ("action_executed", False)
    assert "conversation c1" in caplog.text and "RuntimeError: the plugin crashed" in caplog.text
    assert chat.explained("action dmtest_broken failed (RuntimeError: the plugin crashed)")
    assert await chat.say("ask_hours") == ["utter_hours"]  # the conversation goes on


async def test_action_that_times_out(chat: Chat, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="dialogue.dm.actions"):
        assert await chat.say("slow") == ["utter_error"]
    assert chat.slots["order_status"] is None
    assert chat.explained("timed out after 0.2s")
    assert "dmtest_slow timed out" in caplog.text and "conversation c1" in caplog.text


async def test_failed_submit_keeps_the_form_waiting_for_confirmation(chat: Chat, service: dict[str, Any]) -> None:
    await chat.say("book", day="monday", people=2, email="a@b.org")
    service["fail_booking"] = True
    assert await chat.say("affirm") == ["utter_error"]
    assert chat.slots["day"] == "monday" and chat.slots["people"] == 2
    service["fail_booking"] = False
    assert await chat.say("affirm") == ["utter_booked"]
    assert len(service["bookings"]) == 1


async def test_unregistered_action_is_an_error_reply(tmp_path: Path) -> None:
    (tmp_path / "domain.yml").write_text(
        "intents: {go: [go]}\nresponses: {utter_error: [Oops]}\nactions: {dmtest_not_registered: {}}\n"
        "rules: [{name: go, when: {intent: go}, then: [{action: dmtest_not_registered}]}]\n"
    )
    chat = Chat(make_manager(load_domain(tmp_path)))
    assert await chat.say("go") == ["utter_error"]
    assert chat.explained("No action component named 'dmtest_not_registered'")


async def test_follow_up_actions_history_and_values(tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    @action("dmtest_first", timeout=1)
    async def first(ctx: ActionContext) -> None:
        seen["history"] = [r["type"] for r in ctx.history]
        seen["intent"] = ctx.intent
        ctx.set_slot("note", "from first")
        ctx.respond("utter_note", extra="x")
        ctx.follow_up("dmtest_second")

    @action("dmtest_second")
    async def second(ctx: ActionContext) -> None:
        seen["note"] = ctx.slots["note"]  # the first action's change is visible to its follow-up

    (tmp_path / "domain.yml").write_text(
        "intents: {go: [go]}\nslots: {note: {type: text}}\n"
        "responses: {utter_note: [{text: '{{ note }} {{ extra }}', variables: [extra]}]}\n"
        "actions: {dmtest_first: {}, dmtest_second: {}}\n"
        "rules: [{name: go, when: {intent: go}, then: [{action: dmtest_first}]}]\n"
    )
    chat = Chat(make_manager(load_domain(tmp_path)))
    assert await chat.say("go") == ["utter_note"]
    assert chat.decision is not None and chat.decision.acts[0].slots == {"note": "from first", "extra": "x"}
    assert seen == {"history": ["user"], "intent": "go", "note": "from first"}
    assert [e.kind for e in chat.events] == ["action_executed", "slot_set", "action_executed"]
