"""Bus messages are immutable and survive a JSON round trip unchanged."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dialogue.messages import (
    ActionExecuted,
    BotMessage,
    BotToken,
    BotTurn,
    Button,
    ConversationEnded,
    ConversationRestarted,
    Decision,
    DialogueAct,
    Entity,
    FormEnded,
    FormStarted,
    HandoffRequested,
    IntentScore,
    ParsedMessage,
    PipelineError,
    SlotSet,
    TurnUndone,
    UserMessage,
    decode,
    decode_event,
    encode,
)

IDS = {"conversation_id": "c-1", "turn_id": 7}

EXAMPLES = [
    UserMessage(**IDS, text="where is my order 12345? ünïcödé ✓", channel="terminal", metadata={"k": [1, 2]}),
    ParsedMessage(
        **IDS,
        text="track 12345 tomorrow",
        intent=IntentScore(name="order_status", confidence=0.93),
        intent_ranking=(IntentScore(name="order_status", confidence=0.93), IntentScore(name="greet", confidence=0.05)),
        entities=(
            Entity(type="order_id", value="12345", text="12345", start=6, end=11, extractor="regex"),
            Entity(type="date", value="2026-11-27T00:00:00", text="tomorrow", start=12, end=20, extractor="spacy"),
        ),
    ),
    Decision(
        **IDS,
        acts=(DialogueAct(name="utter_order_status", slots={"order_id": "12345"}, generation="rephrase"),),
        slots={"order_id": "12345", "count": 3, "flags": [True, None]},
        explanation=("rule 'order status' matched intent order_status",),
    ),
    BotTurn(
        **IDS,
        messages=(
            BotMessage(text="Hi **there**", buttons=(Button(title="Track", payload="/order_status"),),
                       payload={"card": {"x": 1}}, response="utter_greet"),
            BotMessage(text="generated", generated=True),
        ),
    ),
    BotToken(**IDS, index=0, delta="Hel"),
    PipelineError(**IDS, subscriber="nlu", failed_topic="user.message", error="ValueError: boom", trace="..."),
    SlotSet(**IDS, name="order_id", value="12345"),
    FormStarted(**IDS, name="return_form"),
    FormEnded(**IDS, name="return_form", completed=False),
    ActionExecuted(**IDS, name="action_check", ok=False),
    HandoffRequested(**IDS, reason="user asked for a human"),
    ConversationRestarted(**IDS),
    ConversationEnded(**IDS, reason="bye"),
    TurnUndone(**IDS),
]


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: m.kind)
def test_json_round_trip_is_lossless(message):
    text = encode(message)
    again = decode(text)
    assert again == message
    assert type(again) is type(message)
    assert encode(again) == text


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: m.kind)
def test_every_message_has_conversation_and_turn_and_topic(message):
    assert message.conversation_id == "c-1" and message.turn_id == 7
    assert message.topic


def test_messages_are_immutable():
    message = EXAMPLES[0]
    with pytest.raises(ValidationError):
        message.text = "changed"  # type: ignore[misc]


def test_events_decode_to_their_own_class():
    event = SlotSet(**IDS, name="x", value=1)
    assert decode_event(event.model_dump(mode="json")) == event


def test_malformed_json_is_rejected_clearly():
    with pytest.raises(ValidationError):
        decode('{"kind": "user_message", "conversation_id": "c"}')
    with pytest.raises(ValidationError):
        decode('{"kind": "no_such_kind"}')
    with pytest.raises(ValidationError):
        decode("not json")


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError):
        UserMessage(**IDS, text="x", surprise=True)  # type: ignore[call-arg]
