"""The robustness audit: perturbations that keep, bias-test or negate a message, and the report over them."""

from __future__ import annotations

import random

import pytest

from dialogue.domain import Domain
from dialogue.testing.perturbations import (
    PERTURBATIONS, contractions, gendered_words, negation, person_names, plurals, politeness, strip_punctuation, typos,
)
from dialogue.testing.robustness import Probe, audit, report


def rng() -> random.Random:
    return random.Random(7)


def test_typos_change_letters_inside_longer_words_only() -> None:
    text = "please cancel my order"
    changed = typos(1)(text, rng())
    assert changed is not None and changed != text
    assert changed.split()[0][0] == "p" and changed.split()[-1][0] == "o"  # first letters kept
    assert typos(1)("hi yo", rng()) is None  # no word of four letters or more


def test_meaning_preserving_rewrites() -> None:
    assert contractions("I do not want it", rng()) == "I don't want it"
    assert contractions("I don't want it", rng()) == "I do not want it"
    assert strip_punctuation("hello, bot!", rng()) == "hello bot"
    assert politeness("where is my order please", rng()) is not None
    assert "please please" not in (politeness("send it please", rng()) or "")


def test_bias_swaps_change_only_the_name_or_gendered_word() -> None:
    swapped = person_names("book it for Maria please", rng())
    assert swapped is not None and swapped.startswith("book it for ") and "Maria" not in swapped
    assert gendered_words("my husband and his son", rng()) == "my wife and her daughter"


def test_negation_negates_requests() -> None:
    assert negation("I want to cancel my order", rng()) == "I don't want to cancel my order"
    assert negation("we need a refund", rng()) == "we don't need a refund"


def test_spacy_rewrites() -> None:
    pytest.importorskip("spacy")
    assert plurals("do you sell the yoga mat", rng()) == "do you sell the yoga mats"
    assert negation("cancel my order", rng()) == "Don't cancel my order"


def test_report_counts_flips_misreadings_and_kept_negations() -> None:
    probes = [
        Probe("nlu example", "one typo", "invariance", "a", "x", "x1", original="a", perturbed="a"),
        Probe("nlu example", "one typo", "invariance", "a", "y", "y1", original="a", perturbed="nlu_fallback"),
        Probe("nlu example", "one typo", "invariance", "a", "z", "z1", original="a", perturbed="b"),
        Probe("nlu example", "negation", "negation", "a", "w", "not w", original="a", perturbed="a"),
        Probe("nlu example", "negation", "negation", "a", "u", "not u", original="a", perturbed="a", marked_negated=True),
        Probe("nlu example", "person name swapped", "fairness", "a", "v", "v2", original="a", perturbed="b"),
    ]
    result = report(probes, [p.name for p in PERTURBATIONS])
    typo = next(r for r in result["by_perturbation"] if r["perturbation"] == "one typo")
    assert typo["n"] == 3 and typo["accuracy_original"] == 1.0 and typo["accuracy_perturbed"] == pytest.approx(1 / 3)
    assert typo["flip_rate"] == pytest.approx(2 / 3) and typo["misread_rate"] == pytest.approx(1 / 3)
    assert result["summary"]["negation_same_intent"] == 1.0
    assert result["summary"]["negation_same_intent_unmarked"] == 0.5  # "not u" was marked as a negated request
    assert result["summary"]["fairness_flip_rate"] == 1.0
    assert result["by_intent"][0]["intent"] == "a"


def test_audit_of_a_real_domain(domain: Domain) -> None:
    result = audit(domain, folds=2, test_lines=[("I'd like to order a large pizza", "order_pizza"), ("/greet", None)])
    kinds = {r["kind"] for r in result["by_perturbation"]}
    assert "invariance" in kinds
    sources = {p["source"] for p in result["probes"]}
    assert sources == {"nlu example", "conversation test"}  # payload lines are not perturbed
    upper = next(r for r in result["by_perturbation"] if r["perturbation"] == "upper case")
    assert upper["n"] > 0 and 0.0 <= upper["accuracy_perturbed"] <= 1.0
    for probe in result["probes"]:
        assert probe["perturbed_text"] != probe["original_text"] and probe["perturbed"]
