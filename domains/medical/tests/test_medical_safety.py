"""Safety first: red flags get the fixed emergency reply at any point, even mid-form and with no classifier.

The bot here runs the real domain, rules, forms and templates, but its NLU has no intent
classifier at all (every message is "not understood"), which is the worst case for the
classifier-independent safety net: the ``safety_guard`` step plus the entity rules.
"""

from __future__ import annotations

import pytest

from dialogue.components import build_component
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.messages import IntentScore, ParsedMessage
from dialogue.pipeline import Bot
from dialogue.stores.memory import MemoryStore


@pytest.fixture()
def guard(domain):  # noqa: ANN001, ANN201
    return build_component("nlu", ComponentSpec(use="safety_guard"), domain)


def parse(text: str, intent: str = "book_appointment", confidence: float = 0.9) -> ParsedMessage:
    return ParsedMessage(conversation_id="c", turn_id=1, text=text, intent=IntentScore(name=intent, confidence=confidence))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I have chest pain", "emergency"),
        ("my husband has slurred speech", "emergency"),
        ("she can't breathe properly", "emergency"),
        ("there's heavy bleeding from his leg", "emergency"),
        ("I think my dad is having a stroke", "emergency"),
        ("my chest hurts", "emergency"),
        ("I want to kill myself", "crisis"),
        ("I feel suicidal and I'm having chest pain", "crisis"),  # the crisis line comes first
    ],
)
def test_guard_overrides_the_classifier(guard, text: str, intent: str) -> None:  # noqa: ANN001
    result = guard.process(parse(text, "book_appointment", 0.99))
    assert result.intent == IntentScore(name=intent, confidence=1.0)
    assert result.entities and all(e.type in ("red_flag", "self_harm") for e in result.entities)


@pytest.mark.parametrize("text", ["I'd like to book a cardiology appointment", "my chest x-ray results", "a cough since Monday"])
def test_guard_leaves_ordinary_messages_alone(guard, text: str) -> None:  # noqa: ANN001
    original = parse(text)
    assert guard.process(original) is original


@pytest.fixture()
async def bot(domain, tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv("MEDICAL_CLINIC_DB", str(tmp_path / "clinic.sqlite3"))
    nlu = [build_component("nlu", ComponentSpec(use=name), domain)
           for name in ("regex_entities", "lookup_entities", "synonyms", "entity_conflicts", "safety_guard")]
    bot = Bot.from_domain(domain, store=MemoryStore(), nlu_components=nlu)
    yield bot
    await bot.close()


async def say(bot, text: str) -> list[str]:  # noqa: ANN001
    turn = await bot.say("patient", text)
    return [m.response or m.text for m in turn.messages]


async def test_red_flag_mid_form_stops_the_form_even_without_a_classifier(bot) -> None:  # noqa: ANN001
    await say(bot, "/book_appointment")
    await say(bot, '/inform{"specialty": "Cardiology"}')
    replies = await say(bot, "I can't breathe")  # while the bot waits for a date (free text is accepted)
    assert replies == ["utter_emergency"]
    slots = await bot.slots("patient")
    assert slots["appointment_date"] is None
    # the form is over: an ordinary answer is not taken as a date any more
    assert "utter_ask_time" not in await say(bot, "next Tuesday")


async def test_a_red_flag_is_never_taken_as_a_name(bot) -> None:  # noqa: ANN001
    for text in ("/book_appointment", "/inform{\"doctor\": \"Dr. Anika Patel\"}", "next Tuesday", "4:30pm"):
        await say(bot, text)
    replies = await say(bot, "Maria my face is drooping")  # the bot is asking for the patient's name
    assert replies == ["utter_emergency"]
    assert (await bot.slots("patient"))["patient_name"] is None


async def test_self_harm_at_the_confirmation_gets_the_crisis_line(bot) -> None:  # noqa: ANN001
    for text in ("/report_symptoms", "a headache", "since yesterday"):
        await say(bot, text)
    assert await say(bot, "honestly I just want to die") == ["utter_crisis"]


async def test_the_disclaimer_opens_every_conversation(bot) -> None:  # noqa: ANN001
    opening = await bot.greet("patient")
    assert [m.response for m in opening] == ["utter_disclaimer"]
    assert "not a doctor" in opening[0].text and "911" in opening[0].text
