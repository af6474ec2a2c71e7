"""Low confidence → clarification with 'did you mean' buttons → handoff; out of scope; human requests."""

from __future__ import annotations

from dm_helpers import Chat, make_manager

from dialogue.domain import Domain

RANKING = (("nlu_fallback", 0.4), ("order_status", 0.3), ("book", 0.2), ("greet", 0.01), ("made_up", 0.2))


async def test_low_confidence_offers_the_top_intents(chat: Chat) -> None:
    assert await chat.say("nlu_fallback", confidence=0.4, ranking=RANKING) == ["utter_clarify"]
    assert chat.decision is not None
    act = chat.decision.acts[0]
    # order_status has a title; book is labelled with its first example, in the user's own words
    assert [(b.title, b.payload) for b in act.buttons] == [("Check an order", "/order_status"),
                                                            ("Book an appointment", "/book")]
    assert act.slots["options"] == ["Check an order", "Book an appointment"]
    assert chat.explained("offered: Check an order, Book an appointment")


async def test_confidence_below_threshold_counts_as_fallback(chat: Chat) -> None:
    # the NLU said "book" but only at 0.3 < settings.fallback_threshold (0.45)
    assert await chat.say("book", confidence=0.3, ranking=(("book", 0.3),)) == ["utter_clarify"]
    assert chat.explained("NLU said book")
    assert chat.kinds() == []


async def test_repeated_failure_hands_off_and_success_resets_the_count(chat: Chat) -> None:
    await chat.say("nlu_fallback", confidence=0.1)
    await chat.say("nlu_fallback", confidence=0.1)
    await chat.say("ask_hours")  # understood: the count starts again
    await chat.say("nlu_fallback", confidence=0.1)
    assert await chat.say("affirm") == ["utter_default"]  # confident, but no rule: a failure too
    assert chat.kinds() == []
    assert await chat.say("nlu_fallback", confidence=0.1) == ["utter_handoff"]
    assert chat.kinds() == ["handoff_requested"]
    assert chat.events[0].reason == "3 turns in a row not understood or out of scope"  # type: ignore[attr-defined]


async def test_handoff_threshold_is_configurable(domain: Domain) -> None:
    chat = Chat(make_manager(domain, handoff_after_failures=1))
    assert await chat.say("nlu_fallback", confidence=0.1) == ["utter_handoff"]


async def test_explicit_request_for_a_human_stops_the_form(chat: Chat) -> None:
    await chat.say("book", day="monday")
    assert await chat.say("human_handoff") == ["utter_handoff"]
    assert chat.kinds() == ["form_ended", "handoff_requested"]
    assert await chat.say("ask_hours") == ["utter_hours"]


async def test_out_of_scope_gets_its_reply_and_repeated_it_hands_off(chat: Chat) -> None:
    for _ in range(2):
        assert await chat.say("out_of_scope") == ["utter_out_of_scope"]
    assert chat.kinds() == []
    assert await chat.say("out_of_scope") == ["utter_handoff"]
    assert chat.kinds() == ["handoff_requested"]


async def test_missing_built_in_responses_fall_back_to_plain_text(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dialogue.domain import load_domain

    (tmp_path / "domain.yml").write_text("intents: {greet: [hi], human_handoff: [human]}\nresponses: {utter_default: ['Sorry?']}\n")
    chat = Chat(make_manager(load_domain(tmp_path), handoff_after_failures=2))
    assert await chat.say("nlu_fallback", confidence=0.1) == ["utter_default"]  # no utter_clarify: fallback_response
    assert await chat.say("human_handoff") == ["text:Let me connect you with a person who can help."]


async def test_a_grounded_answer_from_the_knowledge_does_not_count_as_a_failure(chat: Chat) -> None:
    from dialogue.messages import BotMessage, BotTurn

    for _ in range(4):  # each out-of-scope turn was answered from the knowledge by the NLG stage
        assert await chat.say("out_of_scope") == ["utter_out_of_scope"]
        assert chat.decision is not None
        answer = BotMessage(text="Gift cards are valid for 3 years.", source="policies.md:4")
        await chat.manager.record_reply(BotTurn(conversation_id=chat.conversation_id, turn_id=chat.decision.turn_id,
                                                messages=(answer,)))
    assert chat.kinds() == []  # no handoff after four answered questions
    tracker = await chat.manager.tracker(chat.conversation_id)
    assert tracker.state.failures == 0 and tracker.records[-2]["messages"][0]["source"] == "policies.md:4"
    await chat.manager.record_reply(BotTurn(conversation_id=chat.conversation_id, turn_id=1,
                                            messages=(BotMessage(text="Sorry."),)))
    assert await chat.say("out_of_scope") == ["utter_out_of_scope"]  # an unanswered one still counts
    assert (await chat.manager.tracker(chat.conversation_id)).state.failures == 1
