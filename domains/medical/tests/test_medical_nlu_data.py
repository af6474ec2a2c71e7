"""The pack's NLU data: enough varied examples, and every annotation findable without a trained model."""

from __future__ import annotations

from collections import Counter

import pytest

from dialogue.components import build_component
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.messages import IntentScore, ParsedMessage


def test_every_intent_has_fifteen_distinct_examples(domain) -> None:  # noqa: ANN001
    data = domain.training_data()
    counts = data.counts()
    assert len(counts) >= 15
    assert min(counts.values()) >= 15, {k: v for k, v in counts.items() if v < 15}
    texts = Counter(e.text.lower() for e in data.examples)
    assert [t for t, n in texts.items() if n > 1] == []


def test_annotations_match_the_rule_based_extractors(domain) -> None:  # noqa: ANN001
    """Regexes, lookups and synonyms find exactly the annotated spans and values (entity F1 = 1 on the data)."""
    components = [build_component("nlu", spec, domain) for spec in domain.pipeline.nlu
                  if spec.use in ("regex_entities", "lookup_entities", "synonyms", "entity_conflicts")]
    mismatches = []
    for example in domain.training_data().examples:
        parse = ParsedMessage(conversation_id="c", turn_id=1, text=example.text, intent=IntentScore(name="", confidence=0))
        for component in components:
            parse = component.process(parse)
        found = {(e.start, e.end, e.type, str(e.value)) for e in parse.entities}
        gold = {(s.start, s.end, s.type, s.value) for s in example.entities}
        if found != gold:
            mismatches.append((example.text, sorted(gold - found), sorted(found - gold)))
    assert mismatches == []


def test_safety_examples_carry_their_safety_entity(domain) -> None:  # noqa: ANN001
    guard = build_component("nlu", ComponentSpec(use="safety_guard"), domain)
    for example in domain.training_data().examples:
        parse = ParsedMessage(conversation_id="c", turn_id=1, text=example.text,
                              intent=IntentScore(name="greet", confidence=1.0))
        forced = guard.process(parse).intent.name
        if example.intent in ("emergency", "crisis"):
            assert forced == example.intent, example.text
        else:
            assert forced == "greet", f"{example.text!r} ({example.intent}) looks like a red flag"
