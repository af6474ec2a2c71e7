"""Contractions are written out before a classifier reads a text, so "i'd", "id" and "i would" read alike."""

from __future__ import annotations

import pytest

from dialogue.domain import Domain
from dialogue.domain.schema.pipeline import ComponentSpec
from dialogue.messages import ParsedMessage
from dialogue.nlu.contractions import expand_contractions
from dialogue.nlu.pipeline_builder import build_nlu, parse_one


@pytest.mark.parametrize(("written", "read"), [
    ("I'm sure it's fine, don't worry", "i am sure it is fine, do not worry"),
    ("i dont want CS101 anymore", "i do not want CS101 anymore"),
    ("Won't work, can’t log in", "will not work, can not log in"),
    ("I'd like what's on the menu, let's go", "i would like what is on the menu, let us go"),
    ("we're here and they've left", "we are here and they have left"),
])
def test_contractions_are_written_out(written: str, read: str) -> None:
    assert expand_contractions(written) == read


@pytest.mark.parametrize("kept", ["ada's course", "it lets you", "I'll be ill", "my id is S10003", "rock'n'roll",
                                  "were you there", "'s"])
def test_possessives_and_real_words_are_left_alone(kept: str) -> None:
    assert expand_contractions(kept).lower() == kept.lower().replace("i'll", "i will")


def _reading(parse: ParsedMessage) -> list[float]:
    """Every score the classifier gave: the ranking's confidences and, where it has one, the similarity."""
    return [s.confidence for s in parse.intent_ranking] + [parse.metadata.get("nlu_similarity", 0.0)]


@pytest.mark.parametrize("use", ["tfidf_intent", "sentence_intent"])
def test_a_contraction_does_not_change_the_reading(domain: Domain, use: str) -> None:
    """The classifier sees the same text either way, so every score is the same, not just the intent."""
    texts = ("I'd like to order a pizza", "i would like to order a pizza")
    components = build_nlu(domain, [ComponentSpec(use=use)], model_root=None)
    short, long = (parse_one(components, text) for text in texts)
    assert short.intent.name == long.intent.name == "order_pizza"
    assert _reading(short) == pytest.approx(_reading(long), abs=1e-6)
    assert short.text == texts[0]  # the parse keeps what was written
    off = build_nlu(domain, [ComponentSpec(use=use, expand_contractions=False)], model_root=None)
    assert _reading(parse_one(off, texts[0])) != pytest.approx(_reading(parse_one(off, texts[1])), abs=1e-6)
