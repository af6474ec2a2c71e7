"""The pack's training data: enough varied examples, and annotations that agree with the extractors.

The regex and lookup extractors find order numbers, products and return reasons anywhere in a
message, so an example that mentions one without annotating it (or annotates it with another
value) would teach the model one thing and score the pipeline against another.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dialogue.domain.loader import load_domain
from dialogue.nlu.extractors.lookup import LookupEntityExtractor
from dialogue.nlu.extractors.regex import RegexEntityExtractor

PACK = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def domain():
    return load_domain(PACK)


def test_every_intent_has_at_least_15_distinct_examples(domain) -> None:
    data = domain.training_data()
    counts = data.counts()
    assert len(domain.intents) >= 15
    assert {intent: n for intent, n in counts.items() if n < 15} == {}
    texts = Counter(e.text.lower().strip() for e in data.examples)
    assert [t for t, n in texts.items() if n > 1] == []


def test_annotations_match_what_the_extractors_find(domain) -> None:
    regex = RegexEntityExtractor.from_config(RegexEntityExtractor.Config(), domain)
    lookup = LookupEntityExtractor.from_config(LookupEntityExtractor.Config(), domain)
    mismatches = []
    for example in domain.training_data().examples:
        annotated = {(s.type, s.start, s.end, s.value) for s in example.entities}
        found = {(e.type, e.start, e.end, e.value) for e in [*regex.extract(example.text), *lookup.extract(example.text)]}
        if annotated != found:
            mismatches.append((example.intent, example.text, sorted(annotated ^ found)))
    assert mismatches == []


def test_entities_appear_in_several_intents_and_phrasings(domain) -> None:
    data = domain.training_data()
    per_type = Counter(s.type for e in data.examples for s in e.entities)
    assert per_type["order_id"] >= 30 and per_type["product"] >= 40 and per_type["return_reason"] >= 15
