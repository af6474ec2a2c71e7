"""Forms: several slots at once, validation and re-asking, attempts, corrections, digressions,
cancel, confirmation, free-text slots and validation plugins."""

from __future__ import annotations

from typing import Any

from dm_helpers import Chat


async def test_happy_path_with_several_slots_in_one_message(chat: Chat, service: dict[str, Any]) -> None:
    assert await chat.say("book") == ["utter_ask_day"]
    assert chat.kinds() == ["form_started"]
    assert await chat.say("inform", day="Tuesday", people=4) == ["utter_ask_email"]
    assert chat.slots["day"] == "tuesday" and chat.slots["people"] == 4
    assert await chat.say("inform", email="ann@example.org") == ["utter_confirm_booking"]
    assert chat.decision is not None and chat.decision.acts[0].slots["people"] == 4
    assert await chat.say("affirm") == ["utter_booked"]
    assert service["bookings"] == [{"day": "tuesday", "people": 4, "email": "ann@example.org"}]
    assert ("form_ended", True) in [(e.kind, getattr(e, "completed", None)) for e in chat.events]
    assert chat.slots["people"] is None  # reset_after_form
    assert chat.slots["day"] == "tuesday"  # not reset


async def test_values_given_with_the_request_are_not_asked_again(chat: Chat) -> None:
    assert await chat.say("book", day="friday", people=2) == ["utter_ask_email"]


async def test_invalid_value_given_with_the_request_is_re_asked(chat: Chat) -> None:
    assert await chat.say("book", day="sunday") == ["utter_invalid_day"]
    assert chat.decision is not None and chat.decision.acts[0].slots["value"] == "sunday"
    assert chat.slots["day"] is None


async def test_invalid_answer_re_asks_with_specific_message(chat: Chat) -> None:
    await chat.say("book", day="monday")
    assert await chat.say("inform", people=40) == ["utter_invalid_people"]
    assert chat.slots["people"] is None
    assert chat.explained("people invalid")
    assert await chat.say("inform", people=3) == ["utter_ask_email"]


async def test_max_attempts_ends_form_and_hands_off(chat: Chat) -> None:
    await chat.say("book", day="monday")
    assert await chat.say("inform", people=0) == ["utter_invalid_people"]
    acts = await chat.say("inform", people=99)  # max_attempts: 2
    assert acts == ["utter_failed"]
    assert {"form_ended", "handoff_requested"} <= set(chat.kinds())
    assert await chat.say("ask_hours") == ["utter_hours"]  # the form is over


async def test_regex_validation(chat: Chat) -> None:
    await chat.say("book", day="monday", people=2)
    assert await chat.say("inform", email="not-an-email") == ["utter_ask_email"]
    assert chat.slots["email"] is None
    assert await chat.say("inform", email="a@b.org") == ["utter_confirm_booking"]


async def test_correction_overwrites_filled_slot(chat: Chat) -> None:
    await chat.say("book", day="monday")
    assert await chat.say("inform", text="actually make it Tuesday", day="tuesday") == ["utter_ask_people"]
    assert chat.slots["day"] == "tuesday"
    assert chat.explained("corrected day from 'monday'")


async def test_correction_at_confirmation_confirms_again(chat: Chat, service: dict[str, Any]) -> None:
    await chat.say("book", day="monday", people=2, email="a@b.org")
    assert await chat.say("inform", day="wednesday") == ["utter_confirm_booking"]
    assert chat.decision is not None and chat.decision.acts[0].slots["day"] == "wednesday"
    assert await chat.say("affirm") == ["utter_booked"]
    assert service["bookings"][0]["day"] == "wednesday"


async def test_invalid_correction_keeps_the_old_value(chat: Chat) -> None:
    await chat.say("book", day="monday")
    assert await chat.say("inform", day="sunday") == ["utter_invalid_day", "utter_ask_people"]
    assert chat.slots["day"] == "monday"


async def test_digression_then_back_to_the_form(chat: Chat) -> None:
    await chat.say("book", day="monday")
    assert await chat.say("ask_hours") == ["utter_hours", "utter_ask_people"]
    assert chat.explained("digression from form booking")
    assert await chat.say("inform", people=2) == ["utter_ask_email"]


async def test_form_none_rule_does_not_restart_active_form(chat: Chat) -> None:
    await chat.say("book", day="monday")
    assert await chat.say("book") == ["utter_ask_people"]
    assert "form_started" not in chat.kinds()


async def test_unrelated_message_counts_as_attempt_and_re_asks(chat: Chat) -> None:
    await chat.say("book", day="monday")
    assert await chat.say("nlu_fallback", confidence=0.2) == ["utter_ask_people"]
    assert chat.explained("no value for it")
    assert await chat.say("ask_hours") == ["utter_hours", "utter_ask_people"]  # a rule: digression, no attempt
    assert await chat.say("affirm") == ["utter_failed"]  # second failed attempt of max 2
    assert "handoff_requested" in chat.kinds()


async def test_cancel(chat: Chat, service: dict[str, Any]) -> None:
    await chat.say("book", day="monday", people=3)
    assert await chat.say("cancel") == ["utter_cancelled"]
    assert [(e.kind, getattr(e, "completed", None)) for e in chat.events][-2:] == [
        ("form_ended", False), ("slot_set", None)]
    assert chat.slots["people"] is None
    assert service["bookings"] == []
    assert await chat.say("ask_hours") == ["utter_hours"]


async def test_deny_at_confirmation_asks_everything_again(chat: Chat, service: dict[str, Any]) -> None:
    await chat.say("book", day="monday", people=2, email="a@b.org")
    assert await chat.say("deny") == ["utter_ask_day"]
    assert chat.slots["day"] is None and chat.slots["email"] is None
    assert service["bookings"] == []


async def test_digression_during_confirmation_asks_to_confirm_again(chat: Chat) -> None:
    await chat.say("book", day="monday", people=2, email="a@b.org")
    assert await chat.say("ask_hours") == ["utter_hours", "utter_confirm_booking"]


async def test_free_text_slot(chat: Chat, service: dict[str, Any]) -> None:
    assert await chat.say("report") == ["utter_ask_problem"]
    assert await chat.say("nlu_fallback", text="my screen flickers", confidence=0.3) == ["utter_reported"]
    assert service["reports"] == ["my screen flickers"]


async def test_free_text_slot_still_allows_a_digression(chat: Chat, service: dict[str, Any]) -> None:
    await chat.say("report")
    assert await chat.say("ask_hours", text="when are you open?") == ["utter_hours", "utter_ask_problem"]
    assert service["reports"] == []


async def test_validation_plugin_normalises_and_rejects(chat: Chat) -> None:
    assert await chat.say("callback") == ["utter_ask_phone"]
    assert await chat.say("inform", phone="12") == ["utter_invalid_phone"]
    assert await chat.say("inform", phone="+44 (20) 7946-0000") == ["utter_callback_done"]
    assert chat.slots["phone"] == "442079460000"


async def test_starting_another_form_replaces_the_active_one(chat: Chat) -> None:
    await chat.say("book", day="monday")
    assert await chat.say("callback") == ["utter_ask_phone"]
    kinds = [(e.kind, getattr(e, "name", None)) for e in chat.events]
    assert ("form_ended", "booking") in kinds and ("form_started", "callback") in kinds
